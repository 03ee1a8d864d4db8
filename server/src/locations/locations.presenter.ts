import {
  normaliseWeek,
  parseOpeningHours,
  toLocalized,
  type LocalizedInput,
  type LocationDto,
  type LocationKind,
  type WeeklyHours,
} from '@karavan/shared';
import type { Types } from 'mongoose';
import type { LocationFields } from './locations.model';

type LocationLike = LocationFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function presentLocation(location: LocationLike): LocationDto {
  return {
    id: location._id.toHexString(),
    // Plain strings (older versions) read as the same name in every language.
    name: toLocalized(location.name as LocalizedInput),
    kind: location.kind as LocationKind,
    address: location.address ?? null,
    position: location.position ? { lat: location.position.lat, lng: location.position.lng } : null,
    contact: location.contact ? { name: location.contact.name ?? null, phone: location.contact.phone ?? null } : null,
    openingHours: location.openingHours ?? null,
    weeklyHours:
      normaliseWeek(location.weeklyHours as Partial<WeeklyHours> | null) ??
      parseOpeningHours(location.openingHours) ??
      null,
    active: location.active,
    createdAt: location.createdAt.toISOString(),
    updatedAt: location.updatedAt.toISOString(),
  };
}
