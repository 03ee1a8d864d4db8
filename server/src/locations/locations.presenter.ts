import type { LocationDto, LocationKind } from '@karavan/shared';
import type { Types } from 'mongoose';
import type { LocationFields } from './locations.model';

type LocationLike = LocationFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function presentLocation(location: LocationLike): LocationDto {
  return {
    id: location._id.toHexString(),
    name: location.name,
    kind: location.kind as LocationKind,
    address: location.address ?? null,
    position: location.position ? { lat: location.position.lat, lng: location.position.lng } : null,
    contact: location.contact ? { name: location.contact.name ?? null, phone: location.contact.phone ?? null } : null,
    openingHours: location.openingHours ?? null,
    active: location.active,
    createdAt: location.createdAt.toISOString(),
    updatedAt: location.updatedAt.toISOString(),
  };
}
