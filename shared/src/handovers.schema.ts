import Joi from 'joi';
import { objectId } from './common';
import { freeText } from './catalogue';
import type {
  CancelHandoverRequest,
  ConfirmHandoverRequest,
  CreateHandoverRequest,
  HandoverDto,
  HandoverTakerDto,
} from './handovers';
import { HANDOVER_STATES } from './handovers';
import { MOVE_QUANTITY_MAX, TEXT_MAX } from './rules';
import { SHIPMENT_STATUSES, SHORTFALL_REASONS } from './shipment-life';
import { trimmedText } from './text';

const signature = () =>
  Joi.string()
    .pattern(/^[A-Za-z0-9_-]+$/, 'base64url')
    .max(200);

export const createHandoverBody = Joi.object<CreateHandoverRequest, true>({
  id: Joi.string().guid().required(),
  at: Joi.string().isoDate().max(40).required(),
  to: Joi.object({
    userId: objectId(),
    name: freeText(TEXT_MAX.receivedBy),
  })
    .or('userId', 'name')
    .required(),
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: objectId().required(),
        quantity: Joi.number().integer().min(0).max(MOVE_QUANTITY_MAX).required(),
        reason: Joi.string().valid(...SHORTFALL_REASONS),
      }),
    )
    .max(200)
    .required(),
  note: trimmedText({ min: 0, max: TEXT_MAX.note, multiline: true }).allow(''),
  signatures: Joi.array()
    .items(Joi.object({ deviceId: objectId().required(), signature: signature().required() }))
    .max(1),
});

export const confirmHandoverBody = Joi.object<ConfirmHandoverRequest, true>({
  at: Joi.string().isoDate().max(40).required(),
  deviceId: objectId(),
  signature: signature(),
}).and('deviceId', 'signature');

export const cancelHandoverBody = Joi.object<CancelHandoverRequest, true>({
  at: Joi.string().isoDate().max(40).required(),
  note: trimmedText({ min: 0, max: TEXT_MAX.note, multiline: true }).allow(''),
});

export const handoverParams = Joi.object<{ id: string; handoverId: string }, true>({
  id: objectId().required(),
  handoverId: Joi.string().guid().required(),
});

const iso = () => Joi.string().isoDate();
export const handoverSchema = Joi.object<HandoverDto, true>({
  id: Joi.string().required(),
  shipmentId: Joi.string().required(),
  state: Joi.string()
    .valid(...HANDOVER_STATES)
    .required(),
  at: iso().required(),
  receivedAt: iso().required(),
  status: Joi.string()
    .valid(...SHIPMENT_STATUSES)
    .required(),
  from: Joi.object({ userId: Joi.string().required(), role: Joi.string().required() }).required(),
  to: Joi.object({
    userId: Joi.string().allow(null).required(),
    name: Joi.string().allow(null).required(),
  }).required(),
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: Joi.string().required(),
        carried: Joi.number().integer().required(),
        counted: Joi.number().integer().required(),
        reason: Joi.string().allow(null).required(),
      }).label('HandoverLine'),
    )
    .required(),
  note: Joi.string().allow(null).required(),
  giverVerified: Joi.boolean().required(),
  giverDeviceId: Joi.string().allow(null).required(),
  confirmedAt: iso().allow(null).required(),
  takerVerified: Joi.boolean().required(),
  takerDeviceId: Joi.string().allow(null).required(),
  recordHash: Joi.string().required(),
}).label('Handover');

export const handoverTakersQuery = Joi.object<{ q?: string }, true>({ q: trimmedText({ min: 0, max: 100 }).allow('') });
export const handoverTakersSchema = Joi.object<{ items: HandoverTakerDto[] }, true>({
  items: Joi.array()
    .items(
      Joi.object<HandoverTakerDto, true>({
        id: Joi.string().required(),
        name: Joi.string().required(),
        role: Joi.string().required(),
      }).label('HandoverTaker'),
    )
    .required(),
}).label('HandoverTakers');
