import { toLocalized, type LocalizedInput, type VolunteerDto } from '@karavan/shared';
import type { Types } from 'mongoose';
import type { VolunteerFields } from './volunteers.model';

type VolunteerLike = VolunteerFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function presentVolunteer(volunteer: VolunteerLike): VolunteerDto {
  const skills = volunteer.skills;
  const vehicle = skills?.vehicle;
  return {
    id: volunteer._id.toHexString(),
    name: volunteer.name,
    phone: volunteer.phone ?? null,
    languages: [...(volunteer.languages ?? [])],
    skills: {
      licenceCategories: [...(skills?.licenceCategories ?? [])],
      vehicle: vehicle
        ? { kind: vehicle.kind, plate: vehicle.plate ?? null, capacityKg: vehicle.capacityKg ?? null }
        : null,
      other: ((skills?.other ?? []) as LocalizedInput[]).map(toLocalized),
    },
    availability: {
      available: volunteer.availability?.available ?? true,
      note: volunteer.availability?.note ?? null,
    },
    notes: volunteer.notes ?? null,
    userId: volunteer.userId ? volunteer.userId.toHexString() : null,
    createdAt: volunteer.createdAt.toISOString(),
    updatedAt: volunteer.updatedAt.toISOString(),
  };
}
