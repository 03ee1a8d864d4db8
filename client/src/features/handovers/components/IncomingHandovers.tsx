import { useEffect, useState } from 'react';
import { Button, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { HandoverDto, ShipmentSummaryDto } from '@karavan/shared';
import { useItemName, useLocalize } from '../../../lib/catalogue';
import { formatDateTime } from '../../../lib/format';
import { onOutboxSent, useSentIds } from '../../../lib/outbox';
import { queryKeys } from '../../../lib/realtime/cache';
import { useUnitLabel } from '../../../lib/units';
import { AnswerNote } from './AnswerNote';
import { handoverKeys, queueHandoverCancel, queueHandoverConfirm, useIncomingHandovers } from '../api/handovers.api';

type Answered = {
  handover: HandoverDto;
  shipment: ShipmentSummaryDto;
  action: 'confirmed' | 'declined';
  /** The outbox entry that carries the answer: "sent" once the server accepted it. */
  entryId: string;
};

/**
 * The hand-overs waiting for this user's confirmation (the taker's screen): who gives, what was
 * counted, and "Confirm receipt", signed by the phone's device key and queued in the outbox.
 * A hand-over answered here stays on the screen, saying whether the answer still waits in the
 * outbox or has reached the server, until the taker closes it: the server's list drops it as soon
 * as the answer arrives, and the note must not vanish in the same blink.
 */
export function IncomingHandovers() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const incoming = useIncomingHandovers();
  const sent = useSentIds();
  const [answered, setAnswered] = useState<ReadonlyMap<string, Answered>>(new Map());
  const answer = (entry: Answered) => setAnswered((current) => new Map(current).set(entry.handover.id, entry));
  const dismiss = (id: string) =>
    setAnswered((current) => {
      const next = new Map(current);
      next.delete(id);
      return next;
    });
  useEffect(
    () =>
      onOutboxSent(() => {
        void queryClient.invalidateQueries({ queryKey: handoverKeys.incoming() });
        void queryClient.invalidateQueries({ queryKey: queryKeys.shipments() });
      }),
    [queryClient],
  );
  const listed = incoming.data?.items ?? [];
  const items = [
    ...listed,
    ...[...answered.values()].filter((a) => !listed.some((item) => item.handover.id === a.handover.id)),
  ];
  if (items.length === 0) return null;
  // Once every one shown has been answered, nothing is being handed over to this user any more.
  const open = items.some((item) => !answered.has(item.handover.id));
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="incoming-title" data-testid="incoming-handovers">
      <Title order={2} size="h4" id="incoming-title" mb="sm">
        {t(open ? 'handovers.incoming' : 'handovers.title')}
      </Title>
      <Stack gap="md">
        {items.map(({ handover, shipment }) => {
          const done = answered.get(handover.id);
          return (
            <Incoming
              key={handover.id}
              handover={handover}
              shipment={shipment}
              done={done ? { action: done.action, sent: sent.has(done.entryId) } : null}
              onDismiss={() => dismiss(handover.id)}
              onDecline={async () => {
                const entry = await queueHandoverCancel(handover);
                answer({ handover, shipment, action: 'declined', entryId: entry.id });
              }}
              onConfirm={async () => {
                const entry = await queueHandoverConfirm(handover);
                answer({ handover, shipment, action: 'confirmed', entryId: entry.id });
              }}
            />
          );
        })}
      </Stack>
    </Paper>
  );
}

function Incoming({
  handover,
  shipment,
  done,
  onConfirm,
  onDecline,
  onDismiss,
}: {
  handover: HandoverDto;
  shipment: ShipmentSummaryDto;
  done: { action: 'confirmed' | 'declined'; sent: boolean } | null;
  onConfirm: () => Promise<void>;
  onDecline: () => Promise<void>;
  onDismiss: () => void;
}) {
  const { t } = useTranslation();
  const itemName = useItemName();
  const localize = useLocalize();
  const units = useUnitLabel();
  const [busy, setBusy] = useState(false);
  return (
    <Stack gap={4} data-testid="incoming-handover">
      <Text fw={700}>
        {localize(shipment.origin?.name)} → {localize(shipment.destination?.name)}
      </Text>
      <Text size="sm">{t('handovers.at', { time: formatDateTime(handover.at) })}</Text>
      {handover.lines.map((line) => {
        const item = shipment.lines.find((l) => l.itemId === line.itemId)?.item;
        return (
          <Text key={line.itemId}>
            {itemName(item?.name)}: {units.quantity(line.counted, item?.baseUnit ?? 'piece')}
            {line.counted !== line.carried &&
              ` (${t('handovers.difference', {
                carried: units.quantity(line.carried, item?.baseUnit ?? 'piece'),
                reason: line.reason ? t(`driver.reasons.${line.reason}`) : '',
              })})`}
          </Text>
        );
      })}
      {done ? (
        <AnswerNote
          testId={done.action === 'confirmed' ? 'handover-confirmed' : 'handover-declined'}
          color={done.action === 'confirmed' ? 'green' : 'gray'}
          sent={done.sent}
          onDismiss={onDismiss}
        >
          {done.action === 'confirmed'
            ? t(done.sent ? 'handovers.confirmSent' : 'handovers.confirmQueued')
            : t(done.sent ? 'handovers.declineSent' : 'handovers.declineQueued')}
        </AnswerNote>
      ) : (
        <>
          <Button
            size="xl"
            fullWidth
            loading={busy}
            data-testid="handover-confirm"
            onClick={() => {
              setBusy(true);
              void onConfirm().finally(() => setBusy(false));
            }}
          >
            {t('handovers.confirm')}
          </Button>
          <Button
            size="lg"
            fullWidth
            variant="outline"
            color="red.9"
            disabled={busy}
            data-testid="handover-decline"
            onClick={() => {
              setBusy(true);
              void onDecline().finally(() => setBusy(false));
            }}
          >
            {t('handovers.decline')}
          </Button>
        </>
      )}
    </Stack>
  );
}
