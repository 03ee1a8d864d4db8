import { useState, type FormEvent } from 'react';
import { Button, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { SHORTFALL_REASONS, type ShipmentDto, type ShortfallReason } from '../../../lib/contracts';
import { useQuantityReader } from '../../../lib/quantity';
import type { UpdateInput } from '../api/driver.api';
import { useShipmentNames } from './names';

type Reason = ShortfallReason;

/** Delivery: who received the goods and how much of each line; any shortfall needs a reason. */
export function DeliveryForm({
  shipment,
  busy,
  onConfirm,
  onCancel,
}: {
  shipment: ShipmentDto;
  busy: boolean;
  onConfirm(input: UpdateInput): void;
  onCancel(): void;
}) {
  const { t } = useTranslation();
  const names = useShipmentNames();
  const [receivedBy, setReceivedBy] = useState('');
  const readQuantity = useQuantityReader();
  // As typed (text): read with the one quantity parser, so "1,5" is refused, never taken as 15.
  const [received, setReceived] = useState<Record<string, string>>(() =>
    Object.fromEntries(shipment.lines.map((line) => [line.itemId, String(line.quantity)])),
  );
  const readLine = (line: ShipmentDto['lines'][number]) =>
    readQuantity(received[line.itemId] ?? '', { min: 0, max: line.quantity, unit: line.item?.baseUnit });
  const [reasons, setReasons] = useState<Record<string, Reason | ''>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!receivedBy.trim()) found.receivedBy = t('driver.errors.receivedBy');
    const lines = shipment.lines.map((line) => {
      const reading = readLine(line);
      const amount = reading.value ?? Number.NaN;
      if (reading.error) found[line.itemId] = reading.error;
      const reason = reasons[line.itemId];
      if (amount < line.quantity && !reason) found[`${line.itemId}.reason`] = t('driver.errors.reason');
      return { itemId: line.itemId, received: amount, ...(amount < line.quantity && reason && { reason }) };
    });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    onConfirm({ status: 'delivered', receivedBy: receivedBy.trim(), lines });
  }

  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} noValidate aria-labelledby="delivery-title">
      <Stack gap="md">
        <Title order={2} size="h3" id="delivery-title">
          {t('driver.delivery')}
        </Title>
        <TextInput
          label={t('driver.receivedBy')}
          value={receivedBy}
          onChange={(event) => setReceivedBy(event.currentTarget.value)}
          error={errors.receivedBy}
          size="lg"
          maxLength={200}
          data-autofocus
        />
        {shipment.lines.map((line) => {
          const value = readLine(line).value;
          const short = value !== undefined && value < line.quantity;
          return (
            <Stack key={line.itemId} gap="xs">
              <Text fw={600}>{t('driver.sentQuantity', { line: names.line(line) })}</Text>
              <TextInput
                label={t('driver.receivedQuantity', { item: names.itemLabel(line) })}
                value={received[line.itemId] ?? ''}
                onChange={(event) => {
                  const next = event.currentTarget.value;
                  setReceived((current) => ({ ...current, [line.itemId]: next }));
                }}
                inputMode="numeric"
                autoComplete="off"
                size="lg"
                error={errors[line.itemId]}
              />
              {short && (
                <NativeSelect
                  label={t('driver.shortfallReason')}
                  size="lg"
                  value={reasons[line.itemId] ?? ''}
                  onChange={(event) => {
                    const reason = event.currentTarget.value as Reason | '';
                    setReasons((current) => ({ ...current, [line.itemId]: reason }));
                  }}
                  data={[
                    { value: '', label: t('driver.chooseReason') },
                    ...SHORTFALL_REASONS.map((reason) => ({ value: reason, label: t(`driver.reasons.${reason}`) })),
                  ]}
                  error={errors[`${line.itemId}.reason`]}
                />
              )}
            </Stack>
          );
        })}
        <Group grow>
          <Button variant="default" size="xl" onClick={onCancel} disabled={busy}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" size="xl" color="#1e6b34" loading={busy}>
            {t('driver.confirmDelivery')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
