import { Button, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { TEXT_MAX, textProblem } from '@karavan/shared';
import { SHORTFALL_REASONS, type ShipmentDto, type ShortfallReason } from '../../../lib/contracts';
import { useQuantityReader } from '../../../lib/quantity';
import type { UpdateInput } from '../api/driver.api';
import { useShipmentNames } from './names';

type Reason = ShortfallReason;

interface DeliveryValues {
  receivedBy: string;
  /** Per item, the received quantity as typed (read with the one quantity parser: "1,5" is refused, never 15). */
  received: Record<string, string>;
  reasons: Record<string, Reason | ''>;
}

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
  const readQuantity = useQuantityReader();
  const readLine = (values: DeliveryValues, line: ShipmentDto['lines'][number]) =>
    readQuantity(values.received[line.itemId] ?? '', { min: 0, max: line.quantity, unit: line.item?.baseUnit });
  // The field rules of shared/: a name that fits, each quantity whole and no more than was sent.
  const form = useForm<DeliveryValues>({
    mode: 'controlled',
    initialValues: {
      receivedBy: '',
      received: Object.fromEntries(shipment.lines.map((line) => [line.itemId, String(line.quantity)])),
      reasons: {},
    },
    validate: (values) => {
      const found: Record<string, string> = {};
      // The input takes no more than TEXT_MAX.receivedBy characters: what can go wrong is a blank name.
      if (textProblem(values.receivedBy, TEXT_MAX.receivedBy, true)) found.receivedBy = t('driver.errors.receivedBy');
      for (const line of shipment.lines) {
        const reading = readLine(values, line);
        if (reading.error) found[`received.${line.itemId}`] = reading.error;
        else if ((reading.value ?? 0) < line.quantity && !values.reasons[line.itemId])
          found[`reasons.${line.itemId}`] = t('driver.errors.reason');
      }
      return found;
    },
  });

  // Delivered goes through the outbox (onConfirm): sent now, or once the phone is back online.
  const submit = form.onSubmit((values) => {
    const lines = shipment.lines.map((line) => {
      const amount = readLine(values, line).value!;
      const reason = values.reasons[line.itemId];
      return { itemId: line.itemId, received: amount, ...(amount < line.quantity && reason && { reason }) };
    });
    onConfirm({ status: 'delivered', receivedBy: values.receivedBy.trim(), lines });
  });

  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} noValidate aria-labelledby="delivery-title">
      <Stack gap="md">
        <Title order={2} size="h3" id="delivery-title">
          {t('driver.delivery')}
        </Title>
        <TextInput
          label={t('driver.receivedBy')}
          {...form.getInputProps('receivedBy')}
          size="lg"
          maxLength={TEXT_MAX.receivedBy}
          data-autofocus
        />
        {shipment.lines.map((line) => {
          const value = readLine(form.values, line).value;
          const short = value !== undefined && value < line.quantity;
          return (
            <Stack key={line.itemId} gap="xs">
              <Text fw={600}>{t('driver.sentQuantity', { line: names.line(line) })}</Text>
              <TextInput
                label={t('driver.receivedQuantity', { item: names.itemLabel(line) })}
                {...form.getInputProps(`received.${line.itemId}`)}
                inputMode="numeric"
                autoComplete="off"
                size="lg"
              />
              {short && (
                <NativeSelect
                  label={t('driver.shortfallReason')}
                  size="lg"
                  {...form.getInputProps(`reasons.${line.itemId}`)}
                  value={form.values.reasons[line.itemId] ?? ''}
                  data={[
                    { value: '', label: t('driver.chooseReason') },
                    ...SHORTFALL_REASONS.map((reason) => ({ value: reason, label: t(`driver.reasons.${reason}`) })),
                  ]}
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
