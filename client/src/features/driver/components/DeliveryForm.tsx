import { Suspense, useEffect, useRef, useState } from 'react';
import { Alert, Button, Loader, NativeSelect, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { TEXT_MAX, textProblem } from '@karavan/shared';
import { SHORTFALL_REASONS, type ShipmentDto, type ShortfallReason } from '../../../lib/contracts';
import { useQuantityReader } from '../../../lib/quantity';
import { CrateScanner, preloadCrateScanner } from '../../labels';
import { useShipmentLabels, type UpdateInput } from '../api/driver.api';
import { addPhoto, discardRefusedPhotos, usePhotoQueue } from '../photos';
import { useShipmentNames } from './names';
import { SignaturePad } from './SignaturePad';
import { useCrateScan } from './crate-scan';

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
  const [signature, setSignature] = useState<string | null>(null);
  const labels = useShipmentLabels(shipment.id);
  const scan = useCrateScan(shipment, labels.data?.items);
  const photos = usePhotoQueue(shipment.id);
  const [photoError, setPhotoError] = useState(false);
  const photoInput = useRef<HTMLInputElement>(null);
  // The scanner's code loads now, while online: scanning then works with no network.
  const [scannerReady, setScannerReady] = useState(false);
  useEffect(() => {
    void preloadCrateScanner().then(() => setScannerReady(true));
  }, []);
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
    const name = values.receivedBy.trim();
    onConfirm({
      status: 'delivered',
      receivedBy: name,
      lines,
      receiver: { name, ...(signature ? { signature } : {}) },
      ...(scan.used ? { labels: scan.codes } : {}),
    });
  });

  /** Scanning finished: what was not scanned is received less, each such line then asks for a reason. */
  const finishScan = () => {
    const received = scan.finish();
    for (const [itemId, value] of received) form.setFieldValue(`received.${itemId}`, String(value));
  };

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
        <SignaturePad label={t('pod.signature')} onChange={setSignature} />
        <Stack gap="xs" data-testid="crate-scan">
          {!scan.open && (
            <Button
              size="xl"
              variant="outline"
              fullWidth
              onClick={scan.start}
              disabled={!scannerReady || !labels.data || labels.data.items.length === 0}
              data-testid="scan-crates"
            >
              {t('pod.scanCrates')}
            </Button>
          )}
          {labels.data && labels.data.items.length === 0 && <Text c="dimmed">{t('pod.noLabels')}</Text>}
          {!labels.data && labels.isError && <Text c="orange.9">{t('pod.labelsOffline')}</Text>}
          {scan.open && (
            <Suspense fallback={<Loader size="sm" />}>
              <CrateScanner
                title={t('pod.scanTitle')}
                stopLabel={t('pod.stopScan')}
                onText={scan.read}
                onClose={scan.stop}
              />
            </Suspense>
          )}
          {scan.message && (
            <Alert color="orange.9" variant="light" role="alert" data-testid="scan-message">
              {scan.message}
            </Alert>
          )}
          {(scan.open || scan.used) && (
            <>
              <Text fw={600} role="status" data-testid="crates-count">
                {t('pod.cratesCount', { scanned: scan.codes.length, total: scan.crates.length })}
              </Text>
              <Stack gap={2} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                {scan.crates.map((crate) => (
                  <Text component="li" key={crate.code} data-testid="crate" data-scanned={scan.isScanned(crate.code)}>
                    {crate.code} · {t('pod.crate', { item: crate.item, quantity: crate.quantity })} ·{' '}
                    {scan.isScanned(crate.code) ? t('pod.scanned') : t('pod.notScanned')}
                  </Text>
                ))}
              </Stack>
              {scan.open && (
                <Button
                  size="lg"
                  color="#1e6b34"
                  h="auto"
                  py="sm"
                  styles={{ label: { whiteSpace: 'normal' } }}
                  onClick={finishScan}
                  data-testid="finish-scan"
                >
                  {t('pod.finishScan')}
                </Button>
              )}
            </>
          )}
        </Stack>
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
        <Stack gap="xs">
          <input
            ref={photoInput}
            type="file"
            accept="image/*"
            capture="environment"
            hidden
            data-testid="photo-input"
            onChange={(event) => {
              const file = event.currentTarget.files?.[0];
              event.currentTarget.value = '';
              if (!file) return;
              setPhotoError(false);
              addPhoto(shipment.id, file).catch(() => setPhotoError(true));
            }}
          />
          <Button
            size="lg"
            variant="outline"
            h="auto"
            py="sm"
            styles={{ label: { whiteSpace: 'normal' } }}
            onClick={() => photoInput.current?.click()}
            data-testid="add-photo"
          >
            {t('pod.addPhoto')}
          </Button>
          <div role="status" data-testid="photo-state">
            {photos.waiting > 0 && <Text c="orange.9">{t('pod.photoWaiting', { count: photos.waiting })}</Text>}
            {photos.sent > 0 && <Text>{t('pod.photoSent', { count: photos.sent })}</Text>}
            {photos.failed > 0 && <Text c="red.9">{t('pod.photoFailed', { count: photos.failed })}</Text>}
            {photoError && <Text c="red.9">{t('pod.photoBad')}</Text>}
          </div>
          {photos.failed > 0 && (
            // The server will never take them: the driver may clear them off the phone.
            <Button
              variant="light"
              color="red.9"
              size="lg"
              data-testid="photo-discard"
              onClick={() => {
                if (window.confirm(t('pod.photoDiscardConfirm'))) void discardRefusedPhotos(shipment.id);
              }}
            >
              {t('pod.photoDiscard')}
            </Button>
          )}
        </Stack>
        {/* One above the other, full width: "Подтвердить сдачу" in 22 px type is wider than half a 390 px phone. */}
        <Stack gap="sm">
          <Button type="submit" size="xl" fullWidth color="#1e6b34" loading={busy}>
            {t('driver.confirmDelivery')}
          </Button>
          <Button variant="default" size="xl" fullWidth onClick={onCancel} disabled={busy}>
            {t('common.cancel')}
          </Button>
        </Stack>
      </Stack>
    </Paper>
  );
}
