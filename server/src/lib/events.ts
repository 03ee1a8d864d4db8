import { EventEmitter } from 'node:events';
import type {
  CampaignDto,
  DonationDto,
  ExpiryThreshold,
  StockRowDto,
  MovementDto,
  ShipmentSummaryDto,
  ShipmentUpdateDto,
  UserDto,
  VolunteerDto,
} from '@karavan/shared';

/**
 * Domain events, published by services after a write succeeded. Realtime (and later audit,
 * dashboards) subscribe here; services never talk to sockets.
 */
export interface DomainEvents {
  'users.created': { user: UserDto };
  'users.updated': { user: UserDto };
  /** Every session of the user ended (disabled, password changed or reset): sockets are closed. */
  'users.sessionsRevoked': { userId: string; reason: 'disabled' | 'password_changed' | 'password_reset' };
  /** A volunteer was registered or changed. */
  'volunteer.changed': { volunteer: VolunteerDto };
  /** A stock operation finished: its ledger movements (balances and totals changed with them). */
  'stock.moved': { kind: string; movements: MovementDto[] };
  /** A lot at a place crossed an expiry threshold (48 h, 24 h left, or expired: 0); once per lot, place and threshold. */
  'stock.expiring': { hoursLeft: ExpiryThreshold; row: StockRowDto };
  /** A donation was recorded; its stock movements are published with it, not as stock.moved. */
  'donations.recorded': { donation: DonationDto; movements: MovementDto[] };
  /** A donation was voided and its stock taken back out. */
  'donations.voided': { donation: DonationDto; movements: MovementDto[] };
  /**
   * A shipment changed; `update` is the status update that changed it (null: planning, checklist,
   * privacy); `changed`, when known, the summary's fields whose value the change altered.
   */
  'shipments.updated': {
    shipment: ShipmentSummaryDto;
    update: ShipmentUpdateDto | null;
    changed?: (keyof ShipmentSummaryDto)[];
  };
  /** A campaign was changed (its fields, its status, an item's "enough" switch). */
  'campaigns.updated': { campaign: CampaignDto };
  /** A pledge was made, fulfilled (in part) by a donation, or its contact data purged. */
  'pledges.changed': { campaignId: string };
  /** One sign-in (session family) ended: signed out, or its refresh token was replayed. Its sockets are closed. */
  'sessions.ended': { userId: string; family: string; reason: 'logout' | 'replay' };
}

export type DomainEventName = keyof DomainEvents;

/** A listener may return a promise: `publishAndWait` waits for it, `publish` does not. */
type Listener<E extends DomainEventName> = (payload: DomainEvents[E]) => unknown;

class DomainEventBus {
  private readonly emitter = new EventEmitter();

  publish<E extends DomainEventName>(name: E, payload: DomainEvents[E]): void {
    this.emitter.emit(name, payload);
  }

  /**
   * Publishes, then waits for what listeners started for it (the promises they return): for
   * events whose effect must be complete before the write is answered, e.g. a sign-out that
   * every instance must have heard of before the next request can reach one of them.
   */
  async publishAndWait<E extends DomainEventName>(name: E, payload: DomainEvents[E]): Promise<void> {
    const started = this.emitter.listeners(name).map((listener) => (listener as Listener<E>)(payload));
    await Promise.allSettled(started.filter((result): result is Promise<unknown> => result instanceof Promise));
  }

  /** Returns a function that unsubscribes. */
  subscribe<E extends DomainEventName>(name: E, listener: Listener<E>): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}

export type EventBus = DomainEventBus;
export const createEventBus = () => new DomainEventBus();
