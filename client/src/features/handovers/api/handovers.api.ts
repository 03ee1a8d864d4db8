import { useQuery } from '@tanstack/react-query';
import type { CreateHandoverRequest, HandoverDto, HandoverTakerDto, IncomingHandoversDto } from '@karavan/shared';
import { request } from '../../../lib/api';
import { signHandover } from '../../../lib/device-key';
import { outbox, type OutboxEntry } from '../../../lib/outbox';
import { getSession } from '../../../lib/session';
import { uuid } from '../../../lib/uuid';

export const handoverKeys = {
  takers: () => ['handovers', 'takers'] as const,
  incoming: () => ['handovers', 'incoming'] as const,
};

const userId = () => {
  const session = getSession();
  return session.status === 'signedIn' ? session.user.id : null;
};

/** Who may take the goods (active drivers and staff), for the giver's list. */
export function useHandoverTakers() {
  return useQuery({
    queryKey: handoverKeys.takers(),
    queryFn: () => request<{ items: HandoverTakerDto[] }>('GET', '/api/handovers/takers'),
    staleTime: 5 * 60_000,
  });
}

/** The hand-overs waiting for this user's confirmation. */
export function useIncomingHandovers() {
  return useQuery({
    queryKey: handoverKeys.incoming(),
    queryFn: () => request<IncomingHandoversDto>('GET', '/api/handovers/incoming'),
    refetchInterval: 60_000,
  });
}

export type HandoverInput = Omit<CreateHandoverRequest, 'id' | 'at' | 'signatures'>;

/**
 * Queues a hand-over, signed by this phone's device key when it has one (offline too). Its id
 * is both the hand-over's `id` and the request's Idempotency-Key: sent however often, recorded once.
 */
export async function queueHandover(shipmentId: string, input: HandoverInput): Promise<OutboxEntry> {
  const id = uuid();
  const body: CreateHandoverRequest = { id, at: new Date().toISOString(), ...input };
  const signature = await signHandover(userId(), shipmentId, 'handover', body as unknown as Record<string, unknown>);
  return outbox.add({
    id,
    method: 'POST',
    path: `/api/shipments/${encodeURIComponent(shipmentId)}/handovers`,
    body: signature ? { ...body, signatures: [signature] } : body,
    meta: { kind: 'shipmentHandover', shipmentId },
  });
}

/**
 * Queues the calling off of a pending hand-over: the giver withdraws it, or the taker declines
 * it (the goods stay with the giver). Sent however often, called off once.
 */
export async function queueHandoverCancel(handover: HandoverDto): Promise<OutboxEntry> {
  return outbox.add({
    method: 'POST',
    path: `/api/shipments/${encodeURIComponent(handover.shipmentId)}/handovers/${encodeURIComponent(handover.id)}/cancel`,
    body: { at: new Date().toISOString() },
    meta: { kind: 'shipmentHandoverCancel', shipmentId: handover.shipmentId, handoverId: handover.id },
  });
}

/** Queues the taker's confirmation, signed over the hand-over's record hash when this phone has a device key. */
export async function queueHandoverConfirm(handover: HandoverDto): Promise<OutboxEntry> {
  const at = new Date().toISOString();
  const signature = await signHandover(userId(), handover.shipmentId, 'handover.confirm', {
    handoverId: handover.id,
    handoverHash: handover.recordHash,
    at,
  });
  return outbox.add({
    method: 'POST',
    path: `/api/shipments/${encodeURIComponent(handover.shipmentId)}/handovers/${encodeURIComponent(handover.id)}/confirm`,
    body: { at, ...(signature ?? {}) },
    meta: { kind: 'shipmentHandoverConfirm', shipmentId: handover.shipmentId, handoverId: handover.id },
  });
}
