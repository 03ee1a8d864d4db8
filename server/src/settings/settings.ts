import { randomBytes } from 'node:crypto';
import mongoose, { Schema } from 'mongoose';

/** Server-wide values kept in the database, one document each, keyed by name. */
const settingSchema = new Schema(
  { _id: { type: String, required: true }, value: { type: Schema.Types.Mixed, required: true } },
  { versionKey: false },
);
const Setting = mongoose.model('Setting', settingSchema, 'settings');

/**
 * The secret that signs access tokens: JWT_SECRET when set, otherwise one generated on first
 * start and kept in the database, so that restarts and every instance share it.
 */
export async function resolveJwtSecret(fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv;
  const generated = randomBytes(48).toString('base64url');
  const doc = await Setting.findOneAndUpdate(
    { _id: 'jwtSecret' },
    { $setOnInsert: { value: generated } },
    { upsert: true, returnDocument: 'after' },
  ).lean();
  return String(doc!.value);
}

/**
 * The demo mark: set by `npm run seed`, so that `npm run seed -- --reset` may empty this database
 * (and refuses to empty one that holds real work, unless forced).
 */
export async function markDemoDatabase(): Promise<void> {
  await Setting.updateOne(
    { _id: 'demo' },
    { $setOnInsert: { value: { seededAt: new Date().toISOString() } } },
    { upsert: true },
  );
}

/** True when the seed marked this database as demo data. */
export async function isDemoDatabase(): Promise<boolean> {
  return (await Setting.exists({ _id: 'demo' })) !== null;
}
