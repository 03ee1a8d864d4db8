import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../lib/logger';

/*
 * The "SMS Gateway for Android" (capcom6/android-sms-gateway, https://docs.sms-gate.app): a phone
 * with a SIM that posts what it receives to our webhook and sends what we ask through its API.
 *   webhook: POST { id, event: "sms:received", deviceId, webhookId,
 *                   payload: { messageId, message, phoneNumber, simNumber, receivedAt } }
 *     signed: X-Signature = hex HMAC-SHA256(signing key, raw body + X-Timestamp), X-Timestamp =
 *     Unix seconds.
 *   send: POST {SMS_GATEWAY_URL}/message, basic auth, { textMessage: { text }, phoneNumbers }.
 */

export interface SmsSettings {
  /** The gateway's API, e.g. http://192.168.1.20:8080 (local server) or https://api.sms-gate.app/3rdparty/v1. */
  url: string;
  user: string;
  password: string;
  /** The webhook signing key set on the phone. */
  secret: string;
}

/** How far a request's X-Timestamp may be from our clock (a replayed old request is refused). */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** Why a webhook request is refused (401), or null when its signature is good and fresh. */
export function signatureProblem(
  secret: string,
  raw: Buffer | undefined,
  signature: string | undefined,
  timestamp: string | undefined,
  now = Date.now(),
): string | null {
  if (!raw || !signature || !timestamp) return 'The request is not signed (X-Signature, X-Timestamp)';
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-Timestamp is not a Unix time in seconds';
  if (Math.abs(now / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return 'X-Timestamp is too old or ahead';
  const expected = createHmac('sha256', secret)
    .update(Buffer.concat([raw, Buffer.from(timestamp)]))
    .digest();
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : null;
  if (!given || !timingSafeEqual(given, expected)) return 'The signature does not match';
  return null;
}

/** The `sms:received` payload (other events are acknowledged and ignored). */
export interface ReceivedSms {
  messageId: string;
  message: string;
  phoneNumber: string;
  receivedAt: string;
}

/**
 * The natural key of a received SMS. The gateway's `messageId` is made from the message's content
 * (its documentation: not unique), so the key is that id with the sender and the time the phone
 * received it: the same SMS delivered twice has the same key, the same words sent again later do not.
 */
export function messageKey(sms: ReceivedSms): string {
  const digest = createHash('sha256')
    .update(`${sms.messageId}\n${phoneKey(sms.phoneNumber)}\n${sms.receivedAt}`)
    .digest('hex')
    .slice(0, 40);
  return `sms:${digest}`;
}

/** A phone number's last 9 digits: "+996 555 100 002", "0555100002" and "996555100002" are one number. */
export function phoneKey(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 9 ? digits.slice(-9) : null;
}

/** Sends one SMS through the gateway; false when it could not (logged; the message was handled anyway). */
export async function sendSms(settings: SmsSettings, to: string, text: string, logger: Logger): Promise<boolean> {
  const url = `${settings.url.replace(/\/+$/, '')}/message`;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`${settings.user}:${settings.password}`).toString('base64')}`,
      },
      body: JSON.stringify({ textMessage: { text }, phoneNumbers: [to] }),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.ok) return true;
    logger.warn({ status: res.status }, 'the SMS gateway refused a reply');
  } catch (err) {
    logger.warn({ err }, 'the SMS gateway could not be reached');
  }
  return false;
}
