import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chainHashInput, signedHandoverPayload, signedUpdatePayload, type CustodyExport } from '@karavan/shared';
import { verifySignature } from '../devices';

/*
 * `npm run verify-custody -- file.json`: checks a shipment's custody file (GET
 * /api/shipments/:id/custody.json) with no network and no database. Recomputes every record's
 * hash from its content and the hash before it, checks the links from `base` to `head`, and
 * checks each signed record's signature with the device's public key in the file. Prints OK or
 * the first broken record; exit code 0 (intact) or 1 (broken, or not a custody file).
 */

type Check = { ok: true; records: number; signed: number } | { ok: false; at: number | null; reason: string };

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function verifyCustody(file: CustodyExport): Check {
  if (file?.format !== 'karavan-custody/1' || !Array.isArray(file.records) || typeof file.shipmentId !== 'string') {
    return { ok: false, at: null, reason: 'not a karavan-custody/1 file' };
  }
  const broken = (at: number, reason: string): Check => {
    const id = file.records[at]?.id;
    return { ok: false, at, reason: `record #${at + 1}${id ? ` (${id})` : ''}: ${reason}` };
  };
  let prev: string | null = file.base ?? null;
  let started = false;
  let signed = 0;
  for (const [i, r] of file.records.entries()) {
    if (!r.hash) {
      // Kept before the chain existed: only before its first record.
      if (started) return broken(i, 'has no hash after the chain began');
      continue;
    }
    started = true;
    const c = r.content;
    if (!c) return broken(i, 'has a hash but no content');
    if ((r.prevHash ?? null) !== prev) return broken(i, 'does not link to the record before it (removed or reordered)');
    if (sha256Hex(chainHashInput(c, prev)) !== r.hash)
      return broken(i, 'its content does not match its hash (changed)');
    if (c.shipmentId !== file.shipmentId) return broken(i, 'belongs to another shipment');
    if (c.id !== r.id || c.kind !== r.kind || c.at !== r.at || c.verified !== r.verified) {
      return broken(i, 'its summary does not match its content (changed)');
    }
    if ((r.deviceId ?? null) !== (c.deviceId ?? null)) return broken(i, 'its device does not match its content');
    if (c.verified) {
      const device = c.deviceId ? file.devices?.[c.deviceId] : undefined;
      if (!device) return broken(i, `the key of device ${c.deviceId ?? '?'} is not in the file`);
      if (!c.sent || !c.signature) return broken(i, 'is marked verified but carries no signed update');
      if (c.kind === 'handover') {
        // A hand-over step: the giver signed the hand-over as sent, the taker its confirmation.
        const h = c.handover;
        if (!h) return broken(i, 'is a hand-over record without its hand-over');
        const names = h.step === 'handover' ? c.sent.id : c.sent.handoverId;
        if (names !== h.handoverId || c.sent.deviceId !== c.deviceId) {
          return broken(i, 'the signed hand-over is not this record');
        }
        if (!verifySignature(device.publicKey, signedHandoverPayload(file.shipmentId, h.step, c.sent), c.signature)) {
          return broken(i, 'the signature does not match the device key');
        }
      } else {
        if (c.sent.id !== c.id || c.sent.status !== c.status || c.sent.deviceId !== c.deviceId) {
          return broken(i, 'the signed update is not this record');
        }
        if (!verifySignature(device.publicKey, signedUpdatePayload(file.shipmentId, c.sent), c.signature)) {
          return broken(i, 'the signature does not match the device key');
        }
      }
      signed += 1;
    }
    prev = r.hash;
  }
  if (prev !== (file.head ?? null)) {
    return { ok: false, at: null, reason: 'the last record is not the head of the chain (records removed at the end)' };
  }
  return { ok: true, records: file.records.length, signed };
}

function main(args: string[]): number {
  const path = args[0];
  if (!path) {
    process.stderr.write('usage: npm run verify-custody -- custody.json\n');
    return 1;
  }
  let file: CustodyExport;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as CustodyExport;
  } catch (err) {
    process.stdout.write(`BROKEN: cannot read ${path}: ${(err as Error).message}\n`);
    return 1;
  }
  const result = verifyCustody(file);
  if (result.ok) {
    process.stdout.write(
      `OK: shipment ${file.shipmentId}, ${result.records} records, chain intact, ${result.signed} signatures verified\n`,
    );
    return 0;
  }
  process.stdout.write(`BROKEN: ${result.reason}\n`);
  return 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
