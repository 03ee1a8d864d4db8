import Joi from 'joi';
import type { Request, RequestHandler } from 'express';
import { text } from '@karavan/shared';
import { ApiError } from '../lib/errors';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { ChannelsService } from './channels.service';
import { SIGNATURE_WINDOW_SECONDS, signatureProblem, type ReceivedSms, type SmsSettings } from './sms.gateway';

/** The body as received, kept by the JSON parser for the routes that check a signature over it (app.ts). */
export type RawBodyRequest = Request & { rawBody?: Buffer };
export const RAW_BODY_PATHS = ['/api/channels/'];

interface WebhookBody {
  id?: string;
  event: string;
  deviceId?: string;
  webhookId?: string;
  payload: Partial<ReceivedSms> & Record<string, unknown>;
}

const webhookBody = Joi.object<WebhookBody, true>({
  id: text({ max: 200 }),
  event: text({ max: 100 }).required(),
  deviceId: text({ max: 200 }),
  webhookId: text({ max: 200 }),
  payload: Joi.object({
    messageId: text({ max: 200 }),
    message: text({ min: 0, max: 5000, multiline: true }).allow(''),
    phoneNumber: text({ max: 50 }),
    receivedAt: text({ max: 60 }),
    simNumber: Joi.number().integer().allow(null),
  })
    .unknown(true)
    .required(),
})
  .unknown(true)
  .label('SmsGatewayWebhook');

const webhookResult = Joi.object({
  status: Joi.string().valid('processed', 'duplicate', 'dropped', 'ignored').required(),
}).label('SmsWebhookResult');

const counter = () => Joi.number().integer().min(0).required();
const channelsStatus = Joi.object({
  sms: Joi.object({
    configured: Joi.boolean().required(),
    accepted: counter(),
    dropped: counter(),
    duplicates: counter(),
    replies: counter(),
    replyFailures: counter(),
  }).required(),
}).label('ChannelsStatus');

/** 404 while the channel is off; 401 unless the request is signed with the webhook key, within 5 minutes. */
function signed(sms: SmsSettings | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!sms) return next(new ApiError(404, 'NOT_FOUND', 'The SMS channel is not configured'));
    const problem = signatureProblem(
      sms.secret,
      (req as RawBodyRequest).rawBody,
      req.get('x-signature'),
      req.get('x-timestamp'),
    );
    next(problem ? new ApiError(401, 'UNAUTHENTICATED', problem) : undefined);
  };
}

export function channelsRoutes(channels: ChannelsService, sms: SmsSettings | undefined): RouteSpec[] {
  return [
    defineRoute<WebhookBody>({
      method: 'post',
      path: '/api/channels/sms/webhook',
      tag: 'channels',
      summary: 'Messages received by the SMS gateway phone (the gateway calls it)',
      description: [
        'The webhook of an "SMS Gateway for Android" phone (capcom6/android-sms-gateway), registered for `sms:received`; other events are acknowledged (`ignored`). Off (404) unless SMS_GATEWAY_URL, SMS_GATEWAY_USER, SMS_GATEWAY_PASSWORD and SMS_WEBHOOK_SECRET are set.',
        `Signed by the gateway: \`X-Signature\` is the hex HMAC-SHA256, under SMS_WEBHOOK_SECRET, of the raw body followed by \`X-Timestamp\` (Unix seconds). A request without them, with another signature, or with a timestamp more than ${SIGNATURE_WINDOW_SECONDS} s from the server's clock is 401.`,
        "Only numbers of active users (and of volunteers, who may ask what is needed) are read; any other is `dropped` and counted (GET /api/channels/status). A message is handled once under its natural key (the gateway's content-based `messageId`, the sender and `receivedAt`): the same message delivered again is a `duplicate` and changes nothing.",
        'The message is read with the command language: "+500 хлеб", "+20 ящ молоко" (a coordinator: a donation at the collection point whose contact phone is theirs, for the active campaign that takes it); "КПП", "выехал", "прибыл", "сдал 480 хлеб, 20 испорчено" (a driver: their own current shipment moves through the same rules as POST /api/shipments/:id/updates); "нужно?" (what the public campaigns still need); in Russian, Kyrgyz, Kazakh or English. What is understood with a doubt (a typo, a word left over) waits for the sender\'s "да"/"ok"; "нет" drops it. A short reply goes back by SMS through the gateway, in the sender\'s language.',
      ].join('\n\n'),
      access: 'public',
      before: [signed(sms)],
      body: webhookBody,
      responses: {
        200: {
          description: 'Received: `processed`, `duplicate`, `dropped` (unknown number) or `ignored` (another event)',
          schema: webhookResult,
        },
        400: {
          description: 'Not a webhook of the gateway, or an `sms:received` without its message, number, id or time',
        },
        401: { description: 'Not signed with the webhook key, or signed more than 5 minutes ago' },
        404: { description: 'The SMS channel is not configured' },
      },
      async handler({ body }) {
        if (body.event !== 'sms:received') return { status: 200, body: { status: 'ignored' } };
        const { messageId, message, phoneNumber, receivedAt } = body.payload;
        if (!messageId || message === undefined || !phoneNumber || !receivedAt) {
          throw new ApiError(
            400,
            'VALIDATION_FAILED',
            'An sms:received needs messageId, message, phoneNumber and receivedAt',
            [
              {
                path: 'body.payload',
                message: 'needs messageId, message, phoneNumber and receivedAt',
                type: 'any.required',
              },
            ],
          );
        }
        return { status: 200, body: await channels.receive({ messageId, message, phoneNumber, receivedAt }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/channels/status',
      tag: 'channels',
      summary: 'Whether each channel is on, and what it received (organisers)',
      description:
        'Per channel: `configured`, and the messages `accepted` (handled), `dropped` (from a number no user or volunteer has), `duplicates` (delivered again), and the replies sent and failed.',
      access: 'users:manage',
      responses: { 200: { description: 'The channels', schema: channelsStatus } },
      async handler() {
        return { status: 200, body: await channels.status() };
      },
    }),
  ];
}
