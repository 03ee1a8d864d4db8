import { describe, expect, test } from '@jest/globals';
import {
  decodeEnvelopes,
  decodeReceipt,
  encodeEnvelopes,
  encodeParts,
  encodeReceipt,
  envelopeOf,
  PART_CHARS,
  PartCollector,
  parsePart,
  relayable,
  type RelayEnvelope,
} from './codec';

const DEVICE = '65a1b2c3d4e5f60718293a4b';
const SHIPMENT = '65a1b2c3d4e5f60718293a4c';

/** An outbox entry of a status update as sendUpdate queues it: signed with the device key. */
function signedEntry(id: string, extra: Record<string, unknown> = {}) {
  return {
    needsAttention: false,
    meta: { kind: 'shipmentUpdate', shipmentId: SHIPMENT },
    body: {
      id,
      at: '2026-12-05T10:00:00.000Z',
      status: 'at_checkpoint',
      checkpointId: '65a1b2c3d4e5f60718293a4d',
      position: { lat: 43.0386, lng: 74.7059, accuracyM: 30 },
      ...extra,
      deviceId: DEVICE,
      signature: 'A'.repeat(86),
    },
  };
}

const uuidLike = (n: number) => `0b6a2c1e-8f4d-4c2a-9e7b-00000000000${n}`;

/** Gathers the parts in the given order; the last outcome. */
function collect(parts: string[], collector = new PartCollector('R')) {
  let last = collector.add(parts[0]!);
  for (const part of parts.slice(1)) last = collector.add(part);
  return last;
}

describe('the QR relay codes', () => {
  test('When three signed updates are encoded, then they split into small parts that, read in any order, give back the envelopes the outbox would send', () => {
    const entries = [
      signedEntry(uuidLike(1)),
      signedEntry(uuidLike(2), { note: 'Очередь на границе, около 40 машин' }),
      signedEntry(uuidLike(3), { status: 'departed' }),
    ];
    const { envelopes, unsigned } = relayable(entries);
    expect(unsigned).toBe(0);
    const parts = encodeEnvelopes(envelopes);
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, part] of parts.entries()) {
      expect(part).toMatch(new RegExp(`^KRV1R:[0-9a-f]{8}:${i + 1}/${parts.length}:[A-Za-z0-9_-]+$`));
      expect(part.length).toBeLessThanOrEqual(PART_CHARS + 20);
    }

    const collector = new PartCollector('R');
    const reversed = [...parts].reverse();
    for (const [i, part] of reversed.slice(0, -1).entries()) {
      expect(collector.add(part)).toEqual({ state: 'partial', have: i + 1, total: parts.length });
      // The same code read again (it shows for 1.5 s) counts once.
      expect(collector.add(part)).toEqual({ state: 'partial', have: i + 1, total: parts.length });
    }
    const done = collector.add(reversed.at(-1)!);
    expect(done.state).toBe('complete');
    const decoded = decodeEnvelopes((done as { message: unknown }).message);
    expect(decoded).toEqual(envelopes);
    // The envelope is the outbox's body, without its device and signature, plus the shipment.
    const { deviceId, signature, ...update } = entries[1]!.body;
    expect(decoded![1]).toEqual({ deviceId, signature, payload: { ...update, shipmentId: SHIPMENT } });
  });

  test('When a part was changed, or comes from another message or is something else, then the message is refused', () => {
    const envelopes = relayable([
      signedEntry(uuidLike(1)),
      signedEntry(uuidLike(2)),
      signedEntry(uuidLike(3)),
    ]).envelopes;
    const parts = encodeEnvelopes(envelopes);
    // One character of a part's data changed: every part arrives, the whole does not match its set.
    const [head, data] = [parts[0]!.slice(0, parts[0]!.lastIndexOf(':') + 1), parts[0]!.split(':').at(-1)!];
    const changed = head + (data[5] === 'x' ? 'y' : 'x') + data.slice(0, 5) + data.slice(6);
    expect(collect([changed, ...parts.slice(1)])).toEqual({ state: 'corrupt' });

    // A label, a URL, the other kind of code, a part number out of range: not a part of this.
    const collector = new PartCollector('R');
    for (const foreign of [
      'https://karavan.example/l/K7-Q2M4#abc.def',
      encodeReceipt([uuidLike(1)])[0]!,
      'KRV1R:0000000g:1/1:abc',
      'KRV1R:01234567:3/2:abc',
      'KRV1R:01234567:1/2:ab+c',
    ])
      expect(collector.add(foreign)).toEqual({ state: 'foreign' });
    expect(parsePart('KRV1R:01234567:3/2:abc')).toBeNull();

    // A part of another message (the phone's list changed) starts the gathering again.
    const other = encodeEnvelopes(envelopes.slice(0, 2));
    const mixed = new PartCollector('R');
    mixed.add(parts[0]!);
    expect(mixed.add(other[0]!)).toEqual({ state: 'partial', have: 1, total: other.length });

    // A whole, well-hashed message that is not a list of envelopes: not an updates' message.
    const [wrong] = encodeParts('R', [[DEVICE, SHIPMENT, { id: uuidLike(1), deviceId: DEVICE }, 'sig']]);
    const got = new PartCollector('R').add(wrong!);
    expect(got.state).toBe('complete');
    expect(decodeEnvelopes((got as { message: unknown }).message)).toBeNull();
    expect(decodeEnvelopes([[DEVICE, 'not-a-shipment', { id: uuidLike(1) }, 'sig']])).toBeNull();
    expect(decodeEnvelopes({ envelopes: [] })).toBeNull();
  });

  test('When an update waiting in the outbox is not signed, then it is counted apart and not relayed', () => {
    const unsigned = {
      ...signedEntry(uuidLike(4)),
      body: { id: uuidLike(4), at: '2026-12-05T10:00:00.000Z', status: 'departed' },
    };
    const refused = { ...signedEntry(uuidLike(5)), needsAttention: true };
    const document = {
      needsAttention: false,
      meta: { kind: 'shipmentDocument', shipmentId: SHIPMENT },
      body: { checked: true },
    };
    const { envelopes, unsigned: count } = relayable([signedEntry(uuidLike(1)), unsigned, refused, document]);
    expect(envelopes.map((envelope: RelayEnvelope) => envelope.payload.id)).toEqual([uuidLike(1)]);
    expect(count).toBe(1);
    expect(envelopeOf(unsigned)).toBeNull();
  });

  test("When the colleague's answer is encoded, then the driver's phone reads back the ids, and nothing else passes as one", () => {
    const ids = [uuidLike(1), uuidLike(2), uuidLike(3)];
    const parts = encodeReceipt(ids);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatch(/^KRV1A:/);
    const got = new PartCollector('A').add(parts[0]!);
    expect(got.state).toBe('complete');
    expect(decodeReceipt((got as { message: unknown }).message)).toEqual(ids);
    // The driver's own codes are not an answer.
    expect(new PartCollector('A').add(encodeEnvelopes(relayable([signedEntry(uuidLike(1))]).envelopes)[0]!)).toEqual({
      state: 'foreign',
    });
    expect(decodeReceipt([uuidLike(1), { id: 'x' }])).toBeNull();
    expect(decodeReceipt(['a b'])).toBeNull();
  });
});
