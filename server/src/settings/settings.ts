import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
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
 * The label-signing key (Ed25519): KARAVAN_LABEL_KEY when set, otherwise one generated on first
 * start and kept in the database (PKCS#8 PEM) so that every instance signs with the same key.
 * Two instances starting at once both try to insert under the same `_id`; the loser reads the
 * winner's key, so one key is ever stored.
 */
export async function resolveLabelKey(fromEnv: KeyObject | undefined): Promise<KeyObject> {
  if (fromEnv) return fromEnv;
  const stored = await Setting.findById('labelKey').lean();
  if (stored) return createPrivateKey(String(stored.value));
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  try {
    await Setting.create({ _id: 'labelKey', value: pem });
    return createPrivateKey(pem);
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
    const winner = await Setting.findById('labelKey').lean();
    return createPrivateKey(String(winner!.value));
  }
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
