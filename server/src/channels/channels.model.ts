import mongoose, { Schema } from 'mongoose';
import { collectionOf } from '../db/collections';
import type { OnceRecord } from '../db/idempotency';
import type { Command } from './grammar';

/*
 * What the channels keep: one record per message received (the kernel's idempotency engine runs
 * each message once under it: a gateway that delivers a message twice gets the first outcome),
 * the one command per sender waiting for "да", and the counters organisers read.
 */

/** A message received, under its natural key (see messageKey in sms.gateway.ts). */
export interface MessageRecord extends OnceRecord {
  /** What was done, for the record ("recorded", "dropped", "asked" ...). */
  outcome?: string;
}
const messageSchema = new Schema<MessageRecord>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    state: { type: String, enum: ['pending', 'done'], required: true },
    outcome: String,
    createdAt: { type: Date, required: true },
    owner: String,
  },
  { versionKey: false },
);
/** Far longer than a gateway retries (its queue keeps a message for hours, not weeks). */
export const MESSAGE_TTL_SECONDS = 30 * 24 * 3600;
messageSchema.index({ createdAt: 1 }, { expireAfterSeconds: MESSAGE_TTL_SECONDS });
const ChannelMessage = mongoose.model<MessageRecord>('ChannelMessage', messageSchema, 'channel_messages');
export const messages = () => collectionOf(ChannelMessage);

/** A command understood with a doubt, waiting for its sender's "да" (one per sender: the latest). */
export interface PendingCommand {
  /** `sms:<the number's last 9 digits>`. */
  _id: string;
  userId: string;
  /** The key of the message that carried it: the ids of what it makes derive from it (sent twice, done once). */
  messageKey: string;
  command: Command;
  /** The message's time and words (the status update's `at` and note). */
  at: string;
  text: string;
  createdAt: Date;
}
const pendingSchema = new Schema<PendingCommand>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    messageKey: { type: String, required: true },
    command: { type: Schema.Types.Mixed, required: true },
    at: { type: String, required: true },
    text: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
/** How long a question waits for its "да". */
export const PENDING_TTL_SECONDS = 3600;
pendingSchema.index({ createdAt: 1 }, { expireAfterSeconds: PENDING_TTL_SECONDS });
const ChannelPending = mongoose.model<PendingCommand>('ChannelPending', pendingSchema, 'channel_pending');
export const pending = () => collectionOf(ChannelPending);

export const COUNTER_NAMES = ['accepted', 'dropped', 'duplicates', 'replies', 'replyFailures'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

interface CounterDoc extends Partial<Counters> {
  _id: string;
}
const counterSchema = new Schema<CounterDoc>(
  {
    _id: { type: String, required: true },
    ...Object.fromEntries(COUNTER_NAMES.map((name) => [name, { type: Number, default: 0 }])),
  },
  { versionKey: false },
);
const ChannelCounter = mongoose.model<CounterDoc>('ChannelCounter', counterSchema, 'channel_counters');
export const counters = () => collectionOf(ChannelCounter);
