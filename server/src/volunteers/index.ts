export { Volunteer, type VolunteerDoc, type VolunteerFields } from './volunteers.model';
export { presentVolunteer } from './volunteers.presenter';
export {
  createVolunteersService,
  getVolunteer,
  migrateVolunteerSkills,
  type VolunteersService,
} from './volunteers.service';
export { volunteersRoutes } from './volunteers.routes';
