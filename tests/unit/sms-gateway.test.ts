import { createHmac } from 'node:crypto';
import { messageKey, phoneKey, signatureProblem } from '../../server/src/channels/sms.gateway';

// The SMS gateway's webhook signing (hex HMAC-SHA256 of the raw body and X-Timestamp) and the
// natural key of a received SMS.

const KEY = 'the signing key';
const body = Buffer.from(
  '{"deviceId":"ffffffffceb0b1db00000193991c27e5","event":"sms:received","id":"-9qZ4oiiZZRm-h_A3mrp2","payload":{"message":"КПП","receivedAt":"2025-03-14T07:29:55.000+07:00","messageId":"69bde8d0","phoneNumber":"6505551212","simNumber":1},"webhookId":"LreFUt-Z3sSq0JufY9uWB"}',
);
const now = 1_741_912_196_000;
const sign = (raw: Buffer, ts: string, key = KEY) =>
  createHmac('sha256', key)
    .update(raw.toString('utf8') + ts)
    .digest('hex');

describe('The SMS gateway webhook', () => {
  test('When the body is signed with the key and a fresh timestamp, then it is accepted (in either hex case)', () => {
    const ts = '1741912196';
    expect(signatureProblem(KEY, body, sign(body, ts), ts, now)).toBeNull();
    expect(signatureProblem(KEY, body, sign(body, ts).toUpperCase(), ts, now)).toBeNull();
  });

  test('When the signature, body, timestamp or key differ, or a header is missing, then it is refused', () => {
    const ts = '1741912196';
    const good = sign(body, ts);
    expect(signatureProblem(KEY, Buffer.from(body.toString().replace('КПП', 'прибыл')), good, ts, now)).toMatch(
      /match/,
    );
    expect(signatureProblem(KEY, body, good, '1741912197', now)).toMatch(/match/);
    expect(signatureProblem(KEY, body, sign(body, ts, 'another key'), ts, now)).toMatch(/match/);
    expect(signatureProblem(KEY, body, good.slice(2), ts, now)).toMatch(/match/);
    expect(signatureProblem(KEY, body, undefined, ts, now)).toMatch(/not signed/);
    expect(signatureProblem(KEY, body, good, undefined, now)).toMatch(/not signed/);
    expect(signatureProblem(KEY, undefined, good, ts, now)).toMatch(/not signed/);
    expect(signatureProblem(KEY, body, good, '2025-03-14', now)).toMatch(/Unix time/);
  });

  test('When the timestamp is more than 5 minutes from the clock, then a good signature is refused too', () => {
    const old = String(now / 1000 - 301);
    expect(signatureProblem(KEY, body, sign(body, old), old, now)).toMatch(/too old/);
    const ahead = String(now / 1000 + 301);
    expect(signatureProblem(KEY, body, sign(body, ahead), ahead, now)).toMatch(/too old/);
    const recent = String(now / 1000 - 299);
    expect(signatureProblem(KEY, body, sign(body, recent), recent, now)).toBeNull();
  });

  test('When one SMS arrives twice, then it has one key; the same words later or from another number have another', () => {
    const sms = {
      messageId: '69bde8d0',
      message: 'КПП',
      phoneNumber: '+996555100002',
      receivedAt: '2025-03-14T07:29:55.000+07:00',
    };
    expect(messageKey(sms)).toBe(messageKey({ ...sms }));
    expect(messageKey(sms)).toBe(messageKey({ ...sms, phoneNumber: '996 555 100 002' }));
    expect(messageKey(sms)).not.toBe(messageKey({ ...sms, receivedAt: '2025-03-14T08:29:55.000+07:00' }));
    expect(messageKey(sms)).not.toBe(messageKey({ ...sms, phoneNumber: '+996555100003' }));
  });

  test('When numbers are written in different ways, then their last nine digits make them one', () => {
    expect(phoneKey('+996 555 100 002')).toBe('555100002');
    expect(phoneKey('0555 100-002')).toBe('555100002');
    expect(phoneKey('+7 (701) 100 0003')).toBe(phoneKey('87011000003'));
    expect(phoneKey('12345')).toBeNull();
  });
});
