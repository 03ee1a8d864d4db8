export { type VolunteerDoc, type VolunteerFields } from './volunteers.model';
export { presentVolunteer } from './volunteers.presenter';
export {
  createVolunteersService,
  getVolunteer,
  volunteersByPhone,
  migrateVolunteerSkills,
  type VolunteersService,
} from './volunteers.service';
export { volunteersRoutes } from './volunteers.routes';
