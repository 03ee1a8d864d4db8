import { useEffect, useState } from 'react';
import { Alert, Button, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { HandoverDto, ShipmentSummaryDto } from '@karavan/shared';
import { useItemName, useLocalize } from '../../../lib/catalogue';
import { formatDateTime } from '../../../lib/format';
import { onOutboxSent } from '../../../lib/outbox';
import { queryKeys } from '../../../lib/realtime/cache';
import { useUnitLabel } from '../../../lib/units';
import { handoverKeys, queueHandoverCancel, queueHandoverConfirm, useIncomingHandovers } from '../api/handovers.api';

/**
 * The hand-overs waiting for this user's confirmation (the taker's screen): who gives, what was
 * counted, and "Confirm receipt", signed by the phone's device key and queued in the outbox.
 */
export function IncomingHandovers() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const incoming = useIncomingHandovers();
  const [confirmed, setConfirmed] = useState<Set<string>>(new Set());
  const [declined, setDeclined] = useState<Set<string>>(new Set());
  useEffect(
    () =>
      onOutboxSent(() => {
        void queryClient.invalidateQueries({ queryKey: handoverKeys.incoming() });
        void queryClient.invalidateQueries({ queryKey: queryKeys.shipments() });
      }),
    [queryClient],
  );
  const items = incoming.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="incoming-title" data-testid="incoming-handovers">
      <Title order={2} size="h4" id="incoming-title" mb="sm">
        {t('handovers.incoming')}
      </Title>
      <Stack gap="md">
        {items.map(({ handover, shipment }) => (
          <Incoming
            key={handover.id}
            handover={handover}
            shipment={shipment}
            done={confirmed.has(handover.id) ? 'confirmed' : declined.has(handover.id) ? 'declined' : null}
            onDecline={async () => {
              await queueHandoverCancel(handover);
              setDeclined((current) => new Set(current).add(handover.id));
            }}
            onConfirm={async () => {
              await queueHandoverConfirm(handover);
              setConfirmed((current) => new Set(current).add(handover.id));
            }}
          />
        ))}
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
}: {
  handover: HandoverDto;
  shipment: ShipmentSummaryDto;
  done: 'confirmed' | 'declined' | null;
  onConfirm: () => Promise<void>;
  onDecline: () => Promise<void>;
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
      {done === 'confirmed' ? (
        <Alert color="green" variant="light" role="status" data-testid="handover-confirm-queued">
          {t('handovers.confirmQueued')}
        </Alert>
      ) : done === 'declined' ? (
        <Alert color="gray" variant="light" role="status" data-testid="handover-decline-queued">
          {t('handovers.declineQueued')}
        </Alert>
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
