import {
  LICENCE_CATEGORIES,
  LOCALES,
  toLocalized,
  type LocalizedInput,
  type CreateVolunteerRequest,
  type ListVolunteersQuery,
  type Page,
  type UpdateVolunteerRequest,
  type VolunteerDto,
} from '@karavan/shared';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import { containing, exactly, isObjectIdHex } from '../lib/text-search';
import { userExists } from '../users';
import { Volunteer, type VolunteerDoc } from './volunteers.model';
import { presentVolunteer } from './volunteers.presenter';
import { madeBefore } from '../db/operations';

async function findVolunteer(id: string): Promise<VolunteerDoc> {
  const volunteer = isObjectIdHex(id) ? await Volunteer.findById(id) : null;
  if (!volunteer) throw ApiError.notFound('Volunteer');
  return volunteer;
}

/** The volunteer as the API shows it; 404 "Volunteer not found" when there is none. */
export async function getVolunteer(id: string): Promise<VolunteerDto> {
  return presentVolunteer(await findVolunteer(id));
}

/**
 * The user must exist (422) and have no other volunteer (409). Checked, not indexed: FerretDB
 * cannot keep a unique index on a field that is null for most documents.
 */
async function assertUserLinkable(userId: string, exceptVolunteerId?: string): Promise<void> {
  if (!(await userExists(userId))) {
    throw new ApiError(422, 'UNPROCESSABLE', 'No user has this id', [
      { path: 'body.userId', message: 'no user has this id', type: 'reference' },
    ]);
  }
  const filter: Record<string, unknown> = { userId };
  if (exceptVolunteerId) filter._id = { $ne: exceptVolunteerId };
  if (await Volunteer.exists(filter)) {
    throw new ApiError(409, 'DUPLICATE', 'This user is linked to another volunteer already', [
      { path: 'body.userId', message: 'is already linked to another volunteer', type: 'duplicate' },
    ]);
  }
}

const LICENCES: readonly string[] = LICENCE_CATEGORIES;

/** The volunteers with a phone whose digits end like `key` (the last 9 digits, see the SMS channel). */
export async function volunteersByPhone(
  key: string,
): Promise<{ id: string; userId: string | null; languages: string[] }[]> {
  const found = await Volunteer.find({ phone: { $ne: null } }, { phone: 1, userId: 1, languages: 1 }).lean();
  return found
    .filter((v) => (v.phone ?? '').replace(/\D/g, '').endsWith(key))
    .map((v) => ({
      id: v._id.toHexString(),
      userId: v.userId ? String(v.userId) : null,
      languages: v.languages ?? [],
    }));
}

export function createVolunteersService(events: EventBus) {
  return {
    /** Registers a volunteer, optionally linked to a user account. */
    async create(_actor: Actor, input: CreateVolunteerRequest, options: { id?: string } = {}): Promise<VolunteerDto> {
      const made = await madeBefore(options.id, (id) => Volunteer.findById(id));
      if (made) return presentVolunteer(made);
      if (input.userId) await assertUserLinkable(input.userId);
      const volunteer = await Volunteer.create({
        ...(options.id ? { _id: options.id } : {}),
        name: input.name,
        phone: input.phone ?? null,
        languages: input.languages ?? [],
        skills: {
          licenceCategories: input.skills?.licenceCategories ?? [],
          vehicle: input.skills?.vehicle ?? null,
          other: (input.skills?.other ?? []).map(toLocalized),
        },
        availability: { available: input.availability?.available ?? true, note: input.availability?.note ?? null },
        notes: input.notes ?? null,
        userId: input.userId ?? null,
      });
      const dto = presentVolunteer(volunteer);
      events.publish('volunteer.changed', { volunteer: dto });
      return dto;
    },

    /**
     * Lists volunteers sorted by name. `skill` matches a licence category or another skill
     * (ignoring case), `language` a spoken language, `q` name, phone, skills and notes.
     */
    async list(_actor: Actor, query: ListVolunteersQuery): Promise<Page<VolunteerDto>> {
      const and: Record<string, unknown>[] = [];
      if (query.skill) {
        const wanted = exactly(query.skill);
        const skill: Record<string, unknown>[] = [
          { 'skills.other': wanted },
          ...LOCALES.map((locale) => ({ [`skills.other.${locale}`]: wanted })),
        ];
        const category = query.skill.toUpperCase();
        if (LICENCES.includes(category)) skill.push({ 'skills.licenceCategories': category });
        and.push({ $or: skill });
      }
      if (query.language) and.push({ languages: query.language });
      if (query.available !== undefined) and.push({ 'availability.available': query.available });
      if (query.q) {
        const pattern = containing(query.q);
        and.push({
          $or: [
            'name',
            'phone',
            'notes',
            'skills.other',
            ...LOCALES.map((locale) => `skills.other.${locale}`),
            'skills.vehicle.kind',
          ].map((p) => ({ [p]: pattern })),
        });
      }
      const filter = and.length > 0 ? { $and: and } : {};
      const [items, total] = await Promise.all([
        Volunteer.find(filter).sort({ name: 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
        Volunteer.countDocuments(filter),
      ]);
      return { items: items.map(presentVolunteer), total, limit: query.limit, offset: query.offset };
    },

    async get(_actor: Actor, id: string): Promise<VolunteerDto> {
      return getVolunteer(id);
    },

    /**
     * Changes a volunteer. `skills` and `availability` change only the sub-fields given;
     * `userId: null` unlinks the user account.
     */
    async update(_actor: Actor, id: string, patch: UpdateVolunteerRequest): Promise<VolunteerDto> {
      const volunteer = await findVolunteer(id);
      if (patch.userId && patch.userId !== volunteer.userId?.toHexString()) {
        await assertUserLinkable(patch.userId, id);
      }
      if (patch.name !== undefined) volunteer.name = patch.name;
      if (patch.phone !== undefined) volunteer.phone = patch.phone;
      if (patch.languages !== undefined) volunteer.set('languages', patch.languages);
      if (patch.notes !== undefined) volunteer.notes = patch.notes;
      if (patch.userId !== undefined) volunteer.set('userId', patch.userId);
      if (patch.skills) {
        for (const key of ['licenceCategories', 'vehicle'] as const) {
          if (patch.skills[key] !== undefined) volunteer.set(`skills.${key}`, patch.skills[key]);
        }
        if (patch.skills.other !== undefined) volunteer.set('skills.other', patch.skills.other.map(toLocalized));
      }
      const stored = (volunteer.skills?.other ?? []) as LocalizedInput[];
      if (stored.some((skill) => typeof skill === 'string')) {
        volunteer.set('skills.other', stored.map(toLocalized));
      }
      if (patch.availability) {
        volunteer.set('availability.available', patch.availability.available);
        if (patch.availability.note !== undefined) volunteer.set('availability.note', patch.availability.note);
      }
      await volunteer.save();
      const dto = presentVolunteer(volunteer);
      events.publish('volunteer.changed', { volunteer: dto });
      return dto;
    },
  };
}

export type VolunteersService = ReturnType<typeof createVolunteersService>;

/** Skills stored as plain strings by older versions become translated objects. Run at start. */
export async function migrateVolunteerSkills(): Promise<number> {
  let changed = 0;
  // Read whole (no `$type` query on the embedded database); volunteers are a few thousand at most.
  for (const doc of await Volunteer.find({}, { skills: 1 }).lean()) {
    const other = (doc.skills?.other ?? []) as LocalizedInput[];
    if (!other.some((skill) => typeof skill === 'string')) continue;
    changed += (
      await Volunteer.updateOne(
        { _id: doc._id },
        { $set: { 'skills.other': other.map(toLocalized) } },
        { timestamps: false },
      )
    ).modifiedCount;
  }
  return changed;
}
