import { createHash } from 'node:crypto';
import {
  localize,
  ON_THE_ROAD,
  roleHasRight,
  SHIPMENT_TRANSITIONS,
  TEXT_MAX,
  type ItemDto,
  type Locale,
  type ShipmentSummaryDto,
  type ShipmentUpdateRequest,
} from '@karavan/shared';
import { activeCampaigns } from '../campaigns';
import type { DashboardService } from '../dashboard';
import type { DonationsService } from '../donations';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { activeCollectionPoints, collectionPointsByContactPhone } from '../locations';
import { userLocationIds } from '../users';
import type { ShipmentsService } from '../shipments';
import type { Command, Line, Shortfall } from './grammar';
import { REPLIES } from './replies';

/*
 * What a command understood from a message does, through the same services (and the same rules)
 * as the app: a donation at the coordinator's point, a status of the driver's own current
 * shipment, the needs of the public campaigns. The ids of what it makes derive from the
 * message's key, so a message handled twice makes one donation and one status update (the
 * donation's id and the status update's client id: the kernel's idempotency, as for the outbox).
 */

export interface CommandDeps {
  shipments: ShipmentsService;
  donations: DonationsService;
  dashboard: DashboardService;
}

/** Who sent a message: a signed-up user (with the rights of their role) or a volunteer without an account. */
export interface Sender {
  actor: Actor | null;
  locale: Locale;
  /** The number to reply to, as the gateway gave it ('' from Telegram: the answer goes to the chat). */
  phone: string;
  /** The number's last 9 digits (a coordinator's point is the one with this contact phone); null when unknown. */
  phoneKey: string | null;
  /** The conversation: `<9 digits>` for an SMS number, `tg:<id>` for a Telegram account (its command waiting for "да"). */
  key: string;
}

/** A 24-hex id (a donation's) from a message key. */
export const objectIdFrom = (key: string) => createHash('sha256').update(`donation:${key}`).digest('hex').slice(0, 24);

/** A UUID (a status update's client-made id) from a message key. */
export function uuidFrom(key: string): string {
  const h = createHash('sha256').update(`update:${key}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const nameOf = (items: Map<string, ItemDto>, id: string | null, lang: Locale) =>
  id ? localize(items.get(id)?.name ?? null, lang) || id : '';

/** "Хлеб 500 бух. (25 tray)" per line, joined. */
export function describeLines(lines: Line[], items: Map<string, ItemDto>, lang: Locale): string {
  const words = REPLIES[lang];
  return lines
    .map((l) => {
      const item = items.get(l.itemId);
      const unit = item ? words.units[item.baseUnit] : '';
      const packs = l.typed.unit ? ` (${l.typed.quantity} ${l.typed.word ?? l.typed.unit})` : '';
      return `${nameOf(items, l.itemId, lang)} ${l.quantity} ${unit}${packs}`.trim();
    })
    .join('; ');
}

/** What a command says, in a few words (the "is this what you meant?" reply). */
export function describe(command: Command, items: Map<string, ItemDto>, lang: Locale): string {
  const words = REPLIES[lang];
  if (command.kind === 'donation') return describeLines(command.lines, items, lang);
  if (command.kind !== 'status') return '';
  if (command.status !== 'delivered') return words.statuses[command.status];
  const parts = [`${words.delivered} ${describeLines(command.lines, items, lang)}`.trim()];
  for (const s of command.shortfalls) {
    parts.push(`${words.reasons[s.reason]} ${s.quantity}${s.itemId ? ` ${nameOf(items, s.itemId, lang)}` : ''}`);
  }
  return parts.join('; ');
}

/** The order a driver's shipments are tried in for a status: on the road first, then loading, then planned. */
const rank = (s: ShipmentSummaryDto) => (ON_THE_ROAD.includes(s.status) ? 0 : s.status === 'loading' ? 1 : 2);

/** The delivery's lines: what was said arrived, and each shortfall's reason on its line. */
function deliveryLines(s: ShipmentSummaryDto, lines: Line[], shortfalls: Shortfall[]): ShipmentUpdateRequest['lines'] {
  const out = new Map<string, { itemId: string; received: number; reason?: Shortfall['reason'] }>();
  for (const line of lines) {
    const sent = s.lines.find((l) => l.itemId === line.itemId);
    if (sent) out.set(line.itemId, { itemId: line.itemId, received: line.quantity });
  }
  for (const shortfall of shortfalls) {
    // The item named; else the one line short by exactly this much; else the shipment's only line.
    const line =
      s.lines.find((l) => l.itemId === shortfall.itemId) ??
      s.lines.find((l) => out.has(l.itemId) && l.quantity - out.get(l.itemId)!.received === shortfall.quantity) ??
      (s.lines.length === 1 ? s.lines[0] : undefined);
    if (!line) continue;
    const entry = out.get(line.itemId) ?? { itemId: line.itemId, received: line.quantity - shortfall.quantity };
    out.set(line.itemId, { ...entry, reason: shortfall.reason });
  }
  return [...out.values()];
}

export function createCommands(deps: CommandDeps) {
  /** Records a donation at the sender's point for the active campaign that takes it. */
  async function donate(sender: Sender, lines: Line[], key: string, items: Map<string, ItemDto>, lang: Locale) {
    const words = REPLIES[lang];
    const actor = sender.actor;
    if (!actor || !roleHasRight(actor.role, 'donations:write')) return words.notYours;
    // The collection point the coordinator works at (set by organisers), else the one whose contact phone is theirs.
    const places = await userLocationIds(actor.id);
    const [assigned] = places.length > 0 ? await activeCollectionPoints(places) : [];
    const [point] = assigned
      ? [assigned]
      : sender.phoneKey
        ? await collectionPointsByContactPhone(sender.phoneKey)
        : [];
    if (!point) return words.noPoint;
    const campaigns = (await activeCampaigns()).filter(
      (c) => c.locationIds.length === 0 || c.locationIds.includes(point.id),
    );
    const wanted = (c: (typeof campaigns)[number]) => lines.every((l) => c.targets.some((t) => t.itemId === l.itemId));
    const campaign = campaigns.find(wanted) ?? campaigns[0];
    if (!campaign) return words.noCampaign;
    try {
      await deps.donations.record(
        actor,
        {
          campaignId: campaign.id,
          locationId: point.id,
          lines: lines.map((l) => ({ itemId: l.itemId, quantity: l.quantity })),
        },
        { id: objectIdFrom(key) },
      );
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) return words.failed(err.message);
      throw err;
    }
    return words.recorded(describeLines(lines, items, lang), localize(point.name, lang));
  }

  /**
   * The shipment an update with this id was already applied to, among the driver's latest: a
   * message handled again after its own record was lost (a crash between the two) is sent again
   * under the same update id, and the shipments' idempotency answers it with the first answer.
   */
  async function reportedBefore(actor: Actor, id: string): Promise<ShipmentSummaryDto | null> {
    const latest = await deps.shipments.list(actor, { driverId: actor.id, limit: 10, offset: 0 });
    for (const s of latest.items.filter((x) => x.status !== 'planned').slice(0, 5)) {
      const full = await deps.shipments.get(actor, s.id);
      if (full.history.some((h) => h.id === id)) return s;
    }
    return null;
  }

  /** Moves the driver's own current shipment (the one this status may follow) through the shipments service. */
  async function report(
    sender: Sender,
    command: Extract<Command, { kind: 'status' }>,
    message: { key: string; at: string; text: string },
    lang: Locale,
  ) {
    const words = REPLIES[lang];
    const actor = sender.actor;
    if (!actor || !roleHasRight(actor.role, 'shipments:drive')) return words.notYours;
    const id = uuidFrom(message.key);
    const mine = await deps.shipments.list(actor, { active: true, driverId: actor.id, limit: 50, offset: 0 });
    const candidates = mine.items
      .filter((s) => SHIPMENT_TRANSITIONS[s.status].includes(command.status))
      .sort((a, b) => rank(a) - rank(b));
    const shipment = (await reportedBefore(actor, id)) ?? candidates[0];
    if (!shipment) {
      const current = mine.items[0];
      return current ? words.refused(words.statuses[current.status]) : words.noShipment;
    }
    const destination = localize(shipment.destination?.name ?? null, lang);
    const request: ShipmentUpdateRequest = {
      id,
      status: command.status,
      at: message.at,
      note: `${message.key.startsWith('tg:') ? 'Telegram' : 'SMS'}: ${message.text}`.slice(0, TEXT_MAX.note),
      ...(command.status === 'delivered'
        ? {
            receivedBy: (destination || 'SMS').slice(0, TEXT_MAX.receivedBy),
            lines: deliveryLines(shipment, command.lines, command.shortfalls),
          }
        : {}),
    };
    try {
      await deps.shipments.report(actor, shipment.id, request);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return words.refused(words.statuses[shipment.status]);
      if (err instanceof ApiError && err.status < 500) return words.failed(err.message);
      throw err;
    }
    const route = `${localize(shipment.origin?.name ?? null, lang)} → ${destination}`;
    return words.statusDone(words.statuses[command.status], route);
  }

  /** What the public campaigns still need, most first, and what there is enough of. */
  async function needs(lang: Locale) {
    const words = REPLIES[lang];
    const needed: { name: string; needed: number; unit: string }[] = [];
    const enough = new Set<string>();
    for (const campaign of (await activeCampaigns()).filter((c) => c.public)) {
      const board = await deps.dashboard.publicBoard(campaign.id).catch(() => null);
      for (const need of board?.dto.needs ?? []) {
        const name = localize(need.name, lang);
        if (need.enough) enough.add(name);
        else if (need.needed > 0) needed.push({ name, needed: need.needed, unit: words.units[need.baseUnit] });
      }
    }
    if (needed.length === 0) return words.nothingNeeded;
    needed.sort((a, b) => b.needed - a.needed);
    const list = needed
      .slice(0, 6)
      .map((n) => `${n.name} ${n.needed} ${n.unit}`)
      .join(', ');
    return [words.needed(list), enough.size ? words.enough([...enough].join(', ')) : ''].filter(Boolean).join(' ');
  }

  return { donate, report, needs };
}
