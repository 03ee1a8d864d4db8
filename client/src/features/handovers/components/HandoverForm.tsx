import { useEffect, useState } from 'react';
import { Alert, Button, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { HANDOVER_STATUSES, SHORTFALL_REASONS, TEXT_MAX, type ShortfallReason } from '@karavan/shared';
import type { ShipmentDto, ShipmentStatus } from '../../../lib/contracts';
import { useItemName } from '../../../lib/catalogue';
import { onOutboxSent, useSentIds } from '../../../lib/outbox';
import { queryKeys } from '../../../lib/realtime/cache';
import { useUnitLabel } from '../../../lib/units';
import { AnswerNote } from './AnswerNote';
import { queueHandover, queueHandoverCancel, useHandoverTakers } from '../api/handovers.api';

/**
 * "Hand over the goods" on the driver's shipment screen, while on the road: to a driver or a user
 * of the receiving team picked from a list, or to someone by name; the count per item prefilled
 * with what the shipment carries, a reason required for a difference. Signed by the phone's
 * device key and queued in the outbox (offline too).
 */
export function HandoverSection({ shipment, status }: { shipment: ShipmentDto; status: ShipmentStatus }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [queued, setQueued] = useState(false);
  /** The hand-over this giver called off here, and the outbox entry carrying it. */
  const [withdrawn, setWithdrawn] = useState<{ handoverId: string; entryId: string } | null>(null);
  const sent = useSentIds();
  const pending = (shipment.handovers ?? []).find((h) => h.state === 'pending');
  useEffect(
    () =>
      onOutboxSent(() => {
        void queryClient.invalidateQueries({ queryKey: queryKeys.shipment(shipment.id) });
      }),
    [queryClient, shipment.id],
  );
  if (!HANDOVER_STATUSES.includes(status)) return null;
  // The note stays once the server has the withdrawal (and the hand-over is no longer pending),
  // saying so, until the giver closes it.
  const withdrawalSent = withdrawn !== null && sent.has(withdrawn.entryId);
  const withdrawal = withdrawn && (
    <AnswerNote testId="handover-withdrawn" color="green" sent={withdrawalSent} onDismiss={() => setWithdrawn(null)}>
      {t(withdrawalSent ? 'handovers.cancelSent' : 'handovers.cancelQueued')}
    </AnswerNote>
  );
  if (pending && withdrawn?.handoverId === pending.id) return withdrawal;
  if (pending) {
    return (
      <Stack gap="xs">
        <Alert color="yellow" variant="light" data-testid="handover-pending">
          {t('handovers.pendingGiver', { name: pending.to.name ?? t('handovers.taker') })}
        </Alert>
        <Button
          size="lg"
          variant="outline"
          color="red.9"
          fullWidth
          data-testid="handover-cancel"
          onClick={() =>
            void queueHandoverCancel(pending).then((entry) => {
              setQueued(false);
              setWithdrawn({ handoverId: pending.id, entryId: entry.id });
            })
          }
        >
          {t('handovers.cancel')}
        </Button>
      </Stack>
    );
  }
  return (
    <>
      {withdrawal}
      {queued && (
        <Alert color="green" variant="light" role="status" data-testid="handover-queued">
          {t('handovers.queued')}
        </Alert>
      )}
      {open ? (
        <HandoverForm
          shipment={shipment}
          onCancel={() => setOpen(false)}
          onDone={() => {
            setOpen(false);
            setQueued(true);
            setWithdrawn(null);
          }}
        />
      ) : (
        <Button size="xl" fullWidth variant="outline" onClick={() => setOpen(true)} data-testid="handover-open">
          {t('handovers.open')}
        </Button>
      )}
    </>
  );
}

function HandoverForm({
  shipment,
  onCancel,
  onDone,
}: {
  shipment: ShipmentDto;
  onCancel: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const itemName = useItemName();
  const units = useUnitLabel();
  const takers = useHandoverTakers();
  const [takerId, setTakerId] = useState('');
  const [name, setName] = useState('');
  const [counts, setCounts] = useState<Record<string, string>>(() =>
    Object.fromEntries(shipment.lines.map((l) => [l.itemId, String(l.quantity)])),
  );
  const [reasons, setReasons] = useState<Record<string, ShortfallReason | ''>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit() {
    const found: Record<string, string> = {};
    const trimmed = name.trim();
    if (!takerId && !trimmed) found.to = t('handovers.errors.to');
    const lines = shipment.lines.map((line) => {
      const counted = Number(counts[line.itemId]);
      if (!Number.isInteger(counted) || counted < 0 || counted > line.quantity) {
        found[`count.${line.itemId}`] = t('handovers.errors.count', { max: line.quantity });
      } else if (counted < line.quantity && !reasons[line.itemId]) {
        found[`reason.${line.itemId}`] = t('driver.errors.reason');
      }
      const reason = reasons[line.itemId];
      return { itemId: line.itemId, quantity: counted, ...(counted < line.quantity && reason ? { reason } : {}) };
    });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await queueHandover(shipment.id, {
        to: { ...(takerId ? { userId: takerId } : {}), ...(trimmed ? { name: trimmed } : {}) },
        lines,
      });
      onDone();
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="handover-title" data-testid="handover-form">
      <Stack gap="sm">
        <Title order={2} size="h4" id="handover-title">
          {t('handovers.title')}
        </Title>
        <NativeSelect
          size="lg"
          label={t('handovers.toUser')}
          value={takerId}
          onChange={(event) => setTakerId(event.currentTarget.value)}
          data={[
            { value: '', label: t('handovers.chooseTaker') },
            ...(takers.data?.items ?? []).map((u) => ({
              value: u.id,
              label: `${u.name} (${t(`roles.${u.role}`, { defaultValue: u.role })})`,
            })),
          ]}
          error={errors.to}
          data-testid="handover-taker"
        />
        <TextInput
          size="lg"
          label={t('handovers.toName')}
          description={t('handovers.toNameHint')}
          value={name}
          maxLength={TEXT_MAX.receivedBy}
          onChange={(event) => setName(event.currentTarget.value)}
        />
        {shipment.lines.map((line) => {
          const counted = Number(counts[line.itemId]);
          const short = Number.isInteger(counted) && counted < line.quantity;
          return (
            <Stack key={line.itemId} gap={4}>
              <Text fw={600}>
                {t('handovers.carried', {
                  item: itemName(line.item?.name),
                  quantity: units.quantity(line.quantity, line.item?.baseUnit ?? 'piece'),
                })}
              </Text>
              <TextInput
                size="lg"
                inputMode="numeric"
                label={t('handovers.counted', { item: itemName(line.item?.name) })}
                value={counts[line.itemId] ?? ''}
                onChange={(event) => {
                  const value = event.currentTarget.value;
                  setCounts((current) => ({ ...current, [line.itemId]: value }));
                }}
                error={errors[`count.${line.itemId}`]}
              />
              {short && (
                <NativeSelect
                  size="lg"
                  label={t('driver.shortfallReason')}
                  value={reasons[line.itemId] ?? ''}
                  onChange={(event) => {
                    const value = event.currentTarget.value as ShortfallReason | '';
                    setReasons((current) => ({ ...current, [line.itemId]: value }));
                  }}
                  data={[
                    { value: '', label: t('driver.chooseReason') },
                    ...SHORTFALL_REASONS.map((reason) => ({ value: reason, label: t(`driver.reasons.${reason}`) })),
                  ]}
                  error={errors[`reason.${line.itemId}`]}
                />
              )}
            </Stack>
          );
        })}
        <Group grow>
          <Button size="lg" variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
          <Button size="lg" loading={busy} onClick={() => void submit()} data-testid="handover-submit">
            {t('handovers.submit')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
