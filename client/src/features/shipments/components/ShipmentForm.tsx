import '@mantine/core/styles/Pill.css';
import '@mantine/core/styles/Fieldset.css';
import '@mantine/core/styles/PillsInput.css';
import { useState } from 'react';
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  MultiSelect,
  NativeSelect,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QuickSelect } from '../../../ui/QuickSelect';
import { Link } from 'react-router';
import {
  MOVE_QUANTITY_MAX,
  ROUTE_HOURS_MAX,
  SHIPMENT_CAPACITY_KG_MAX,
  SHIPMENT_NOTES_MAX,
  STANDARD_DOCUMENTS,
  TEXT_MAX,
  isAfter,
  isInRange,
  textProblem,
  type CreateShipmentRequest,
  type ShipmentDto,
  type UpdateShipmentRequest,
} from '@karavan/shared';
import { byId, useAllItems, useCampaigns, useItemName, useLocalize, useLocations } from '../../../lib/catalogue';
import { formatDateTime } from '../../../lib/format';
import { ApiRequestError } from '../../../lib/http';
import { useQuantityReader } from '../../../lib/quantity';
import { useUnitLabel } from '../../../lib/units';
import { useEditForm } from '../../../ui/EditForm';
import type { Problems } from '../../../ui/forms';
import { useDriverChoices, useOriginStock } from '../api/shipments.api';
import { fefo } from '../fefo';
import { changeBody, createBody, newLine, valuesOf, type Line, type Values } from './planValues';

type Field =
  | 'campaignId'
  | 'originId'
  | 'destinationId'
  | 'route'
  | 'driverId'
  | 'plate'
  | 'kind'
  | 'capacityKg'
  | 'plannedDepartureAt'
  | 'plannedArrivalAt'
  | 'estimatedRouteHours'
  | 'notes'
  | 'lines'
  | 'documents';

/** API detail paths to the form's fields. */
const SERVER_FIELDS: Record<string, Field> = {
  'body.campaignId': 'campaignId',
  'body.originId': 'originId',
  'body.destinationId': 'destinationId',
  'body.route': 'route',
  'body.driverId': 'driverId',
  'body.vehicle.plate': 'plate',
  'body.vehicle.kind': 'kind',
  'body.vehicle.capacityKg': 'capacityKg',
  'body.vehicle': 'plate',
  'body.plannedDepartureAt': 'plannedDepartureAt',
  'body.plannedArrivalAt': 'plannedArrivalAt',
  'body.estimatedRouteHours': 'estimatedRouteHours',
  'body.notes': 'notes',
  'body.lines': 'lines',
  'body.documents': 'documents',
};

export type ShipmentFormResult =
  { mode: 'create'; body: CreateShipmentRequest } | { mode: 'edit'; body: UpdateShipmentRequest };

interface ShipmentFormProps {
  /** The shipment to change; without it, a new one is planned. */
  shipment?: ShipmentDto;
  title: string;
  submitLabel: string;
  /**
   * Sends the request under `idempotencyKey` (the same for every retry of this form); throws the
   * API's error (shown next to the fields, nothing typed is lost). The shipments' queries are
   * refreshed once it succeeded (lib/writes).
   */
  onSubmit(result: ShipmentFormResult, idempotencyKey: string): Promise<void>;
}

/**
 * The plan of a shipment: where, checkpoints, vehicle and driver, times, goods (with the FEFO
 * suggestion from the origin's stock), documents and notes. Planning (`/shipments/new`) and
 * changing a shipment before departure (`/shipments/:id/edit`) both use it; a change sends only
 * what was changed, so the server keeps (or re-estimates) the rest.
 */
export function ShipmentForm({ shipment, title, submitLabel, onSubmit: send }: ShipmentFormProps) {
  const { t } = useTranslation();
  const editing = shipment !== undefined;
  const loading = shipment?.status === 'loading';
  const itemName = useItemName();
  const localize = useLocalize();
  const units = useUnitLabel();
  const locations = useLocations();
  const campaigns = useCampaigns();
  const items = useAllItems();
  const drivers = useDriverChoices();
  const itemsById = byId(items.data);
  const readQuantity = useQuantityReader();
  /**
   * A line's quantity as typed, read with the one quantity parser ("1,5" refused, never 15), up to
   * the API's limit for a line (MOVE_QUANTITY_MAX in the unit it is given in).
   */
  const readLine = (line: Line) => {
    const item = line.itemId ? itemsById.get(line.itemId) : undefined;
    return readQuantity(String(line.quantity), {
      max: MOVE_QUANTITY_MAX,
      unit: line.unit || item?.baseUnit,
      hasPacks: Boolean(item?.packs.length),
    });
  };
  /** The values with every line's quantity as the number it reads as. */
  const readValues = (v: Values): Values => ({
    ...v,
    lines: v.lines.map((line) => ({ ...line, quantity: readLine(line).value ?? line.quantity })),
  });
  const baseUnitOf = (itemId: string) => itemsById.get(itemId)?.baseUnit;

  const [initial] = useState(() => valuesOf(shipment));
  const {
    values,
    set,
    problems: fieldProblems,
    formMessage,
    saving,
    onSubmit,
    error,
    submitted,
  } = useEditForm<Field, Values>({
    initialValues: initial,
    validate,
    serverFields: SERVER_FIELDS,
    submit: (key, typed) =>
      editing
        ? send({ mode: 'edit', body: changeBody(readValues(typed), initial, shipment, baseUnitOf) }, key)
        : send({ mode: 'create', body: createBody(readValues(typed), baseUnitOf) }, key),
    entity: 'shipments',
  });
  const stock = useOriginStock(values.originId, values.campaignId);

  const places = (locations.data?.items ?? []).filter((location) => location.active);
  const stockPlaces = places
    .filter((location) => location.kind !== 'checkpoint')
    .map((location) => ({ value: location.id, label: localize(location.name) }));
  const checkpoints = places
    .filter((location) => location.kind === 'checkpoint')
    .map((location) => ({ value: location.id, label: localize(location.name) }));
  const itemOptions = (items.data?.items ?? []).map((item) => ({ value: item.id, label: itemName(item.name) }));
  const campaignOptions = (campaigns.data?.items ?? [])
    .filter((campaign) => campaign.status === 'active' || campaign.id === values.campaignId)
    .map((campaign) => ({ value: campaign.id, label: localize(campaign.name) }));
  const driverOptions = (drivers.data ?? []).map((driver) => ({ value: driver.id, label: driver.name }));
  if (values.driverId && !driverOptions.some((option) => option.value === values.driverId))
    driverOptions.push({ value: values.driverId, label: t('shipments.assigned') });

  // Not enough stock at the origin for the new lines (409): said per item, next to the goods.
  const shortages =
    error instanceof ApiRequestError && error.status === 409
      ? (error.details ?? []).filter((detail) => detail.type === 'insufficient')
      : [];
  const problems =
    shortages.length === 0
      ? fieldProblems
      : {
          ...fieldProblems,
          lines: shortages
            .map((detail) => {
              const itemId = (detail.path ?? '').replace(/^lines\./, '');
              const missing = Number(/missing (\d+)/.exec(detail.message ?? '')?.[1] ?? 0);
              const item = itemsById.get(itemId);
              return t('shipments.edit.short', {
                item: itemName(item?.name),
                quantity: item ? units.quantity(missing, item.baseUnit) : String(missing),
              });
            })
            .join('; '),
        };

  /** The plan's checks, with the field rules of shared/ (the API's limits, lengths and time order). */
  function validate(typed: Values): Problems<Field> {
    const found: Problems<Field> = {};
    const required = 'wb.fieldErrors.required';
    const {
      campaignId,
      originId,
      destinationId,
      plate,
      kind,
      capacityKg,
      arrival,
      departure,
      routeHours,
      lines,
      notes,
    } = typed;
    if (!campaignId) found.campaignId = required;
    if (!originId) found.originId = required;
    if (!destinationId) found.destinationId = required;
    if (originId && originId === destinationId) found.destinationId = 'shipments.errors.sameAsOrigin';
    if ((plate.trim() || kind.trim() || capacityKg !== '') && !plate.trim()) found.plate = required;
    else if (textProblem(plate, TEXT_MAX.plate)) found.plate = 'wb.fieldErrors.tooLong';
    if ((plate.trim() || capacityKg !== '') && !kind.trim()) found.kind = required;
    else if (textProblem(kind, TEXT_MAX.vehicleKind)) found.kind = 'wb.fieldErrors.tooLong';
    if (capacityKg !== '' && !isInRange(capacityKg, 1, SHIPMENT_CAPACITY_KG_MAX))
      found.capacityKg = 'wb.fieldErrors.invalid';
    if (routeHours !== '' && !isInRange(routeHours, 0, ROUTE_HOURS_MAX))
      found.estimatedRouteHours = 'wb.fieldErrors.invalid';
    else if (arrival && routeHours !== '' && routeHours !== initial.routeHours)
      found.estimatedRouteHours = 'wb.fieldErrors.eitherOr';
    if (arrival && departure && !isAfter(arrival, departure))
      found.plannedArrivalAt = 'shipments.errors.arrivalBeforeDeparture';
    if (arrival && !departure) found.plannedDepartureAt = required;
    if (textProblem(notes, SHIPMENT_NOTES_MAX)) found.notes = 'wb.fieldErrors.tooLong';
    const filled = lines.filter((line) => line.itemId);
    if (filled.length === 0) found.lines = 'wb.fieldErrors.atLeastOne';
    else if (filled.some((line) => readLine(line).error)) found.lines = 'shipments.errors.quantity';
    else if (new Set(filled.map((line) => line.itemId)).size !== filled.length) found.lines = 'wb.fieldErrors.unique';
    return found;
  }

  const updateLine = (lineKey: string, patch: Partial<Line>) =>
    set({ lines: values.lines.map((line) => (line.key === lineKey ? { ...line, ...patch } : line)) });

  /** The lots loading would take (planned), or the lots kept and taken (loading), shown under a line. */
  function suggestion(line: Line, total: number) {
    if (!line.itemId || total <= 0 || !stock.data) return null;
    const reserved = loading ? (shipment?.lines.find((l) => l.itemId === line.itemId)?.lots ?? []) : [];
    const had = reserved.reduce((n, lot) => n + lot.quantity, 0);
    if (loading && total <= had) return { lots: reserved, missing: 0, kept: true };
    const extra = fefo(stock.data.items, line.itemId, total - had);
    return { lots: [...reserved, ...extra.lots], missing: extra.missing, kept: false };
  }

  const lotText = (itemId: string, lot: { lotId: string; quantity: number; expiresAt: string | null }) => {
    const item = itemsById.get(itemId);
    return `${item ? units.quantity(lot.quantity, item.baseUnit) : lot.quantity} · ${
      lot.expiresAt ? t('shipments.expires', { time: formatDateTime(lot.expiresAt) }) : t('shipments.noExpiry')
    } (${t('shipments.lot')} …${lot.lotId.slice(-6)})`;
  };

  const documentKeys = [
    ...Object.keys(STANDARD_DOCUMENTS),
    ...(shipment?.documents ?? []).map((d) => d.key).filter((key) => !STANDARD_DOCUMENTS[key]),
  ];

  return (
    <form onSubmit={onSubmit} noValidate data-testid={editing ? 'edit-form' : 'plan-form'}>
      <Stack gap="lg">
        <Group justify="space-between">
          <Title order={1} size="h2">
            {title}
          </Title>
          <Button component={Link} to={shipment ? `/shipments/${shipment.id}` : '/shipments'} variant="subtle">
            {t('wb.back')}
          </Button>
        </Group>
        {loading && (
          <Alert color="blue" variant="light" data-testid="edit-loading-hint">
            {t('shipments.edit.loadingHint')}
          </Alert>
        )}
        <Fieldset legend={t('shipments.where')}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <QuickSelect
              label={t('shipments.campaign')}
              required
              searchable
              data={campaignOptions}
              value={values.campaignId}
              onChange={(campaignId) => set({ campaignId })}
              error={problems.campaignId}
              disabled={editing}
            />
            <QuickSelect
              label={t('shipments.origin')}
              required
              searchable
              data={stockPlaces}
              value={values.originId}
              onChange={(originId) => set({ originId })}
              error={problems.originId}
              disabled={editing}
            />
            <QuickSelect
              label={t('shipments.destination')}
              required
              searchable
              data={stockPlaces}
              value={values.destinationId}
              onChange={(destinationId) => set({ destinationId })}
              error={problems.destinationId}
            />
          </SimpleGrid>
          <MultiSelect
            mt="sm"
            label={t('shipments.checkpoints')}
            description={t('shipments.checkpointsHint')}
            searchable
            data={checkpoints}
            value={values.route}
            onChange={(route) => set({ route })}
            error={problems.route}
          />
        </Fieldset>
        <Fieldset legend={t('shipments.vehicleAndDriver')}>
          <SimpleGrid cols={{ base: 1, sm: 4 }}>
            <QuickSelect
              label={t('shipments.driver')}
              searchable
              clearable
              data={driverOptions}
              value={values.driverId}
              onChange={(driverId) => set({ driverId })}
              error={problems.driverId}
              data-testid="driver-picker"
            />
            <TextInput
              label={t('shipments.vehicleKind')}
              value={values.kind}
              onChange={(event) => set({ kind: event.currentTarget.value })}
              maxLength={TEXT_MAX.vehicleKind}
              error={problems.kind}
            />
            <TextInput
              label={t('shipments.plate')}
              value={values.plate}
              onChange={(event) => set({ plate: event.currentTarget.value })}
              maxLength={TEXT_MAX.plate}
              error={problems.plate}
            />
            <NumberInput
              label={t('shipments.capacityKg')}
              min={1}
              max={SHIPMENT_CAPACITY_KG_MAX}
              value={values.capacityKg}
              onChange={(capacityKg) => set({ capacityKg })}
              error={problems.capacityKg}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t('shipments.when')}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput
              type="datetime-local"
              label={t('shipments.plannedDeparture')}
              value={values.departure}
              onChange={(event) => set({ departure: event.currentTarget.value })}
              error={problems.plannedDepartureAt}
            />
            <TextInput
              type="datetime-local"
              label={t('shipments.plannedArrival')}
              value={values.arrival}
              onChange={(event) => set({ arrival: event.currentTarget.value })}
              error={problems.plannedArrivalAt}
            />
            <NumberInput
              label={t('shipments.routeHours')}
              description={t('shipments.routeHoursHint')}
              min={0}
              max={ROUTE_HOURS_MAX}
              decimalScale={1}
              value={values.routeHours}
              onChange={(routeHours) => set({ routeHours })}
              error={problems.estimatedRouteHours}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t('shipments.goods')}>
          <Stack gap="sm" data-testid="plan-lines">
            {values.lines.map((line, index) => {
              const item = line.itemId ? itemsById.get(line.itemId) : undefined;
              const unit = line.unit || item?.baseUnit || '';
              const size = item?.packs.find((pack) => pack.unit === unit)?.size ?? 1;
              const reading = readLine(line);
              const total = reading.value !== undefined ? reading.value * size : 0;
              const lots = suggestion(line, total);
              return (
                <Stack key={line.key} gap={2} data-testid="plan-line">
                  <Group align="flex-end" wrap="wrap">
                    <QuickSelect
                      label={t('shipments.item', { n: index + 1 })}
                      searchable
                      data={itemOptions}
                      value={line.itemId}
                      onChange={(value) => updateLine(line.key, { itemId: value, unit: '' })}
                      miw={220}
                      style={{ flex: 2 }}
                    />
                    <TextInput
                      label={t('shipments.quantity', { n: index + 1 })}
                      inputMode="numeric"
                      autoComplete="off"
                      value={String(line.quantity)}
                      onChange={(event) => updateLine(line.key, { quantity: event.currentTarget.value })}
                      error={submitted && line.itemId ? reading.error : undefined}
                      data-testid="plan-quantity"
                      miw={120}
                      style={{ flex: 1 }}
                    />
                    <NativeSelect
                      label={t('shipments.unit', { n: index + 1 })}
                      data={item ? units.choices(item) : [{ value: '', label: '—' }]}
                      value={unit}
                      onChange={(event) => updateLine(line.key, { unit: event.currentTarget.value })}
                      disabled={!item}
                      miw={140}
                      style={{ flex: 1 }}
                    />
                    <Text size="sm" miw={120} pb={8} aria-live="polite">
                      {item && total > 0 ? units.quantity(total, item.baseUnit) : ''}
                    </Text>
                    <ActionIcon
                      variant="subtle"
                      color="red.9"
                      size="lg"
                      mb={4}
                      aria-label={t('shipments.removeLine', { n: index + 1 })}
                      disabled={values.lines.length === 1}
                      onClick={() => set({ lines: values.lines.filter((other) => other.key !== line.key) })}
                    >
                      ×
                    </ActionIcon>
                  </Group>
                  {lots && line.itemId && (
                    <Text size="xs" c="dimmed" data-testid="line-fefo">
                      {loading ? t('shipments.edit.reservedLots') : t('shipments.fefoHeader')}:{' '}
                      {lots.lots.length > 0 ? lots.lots.map((lot) => lotText(line.itemId!, lot)).join('; ') : '—'}
                      {lots.missing > 0 && (
                        <Text span size="xs" c="red.8" data-testid="line-fefo-missing">
                          {' '}
                          {t('shipments.missing', {
                            quantity: item ? units.quantity(lots.missing, item.baseUnit) : lots.missing,
                          })}
                        </Text>
                      )}
                    </Text>
                  )}
                </Stack>
              );
            })}
            {problems.lines && (
              <Text c="red.8" size="sm" role="alert" data-testid="lines-error">
                {problems.lines}
              </Text>
            )}
            <Group>
              <Button variant="default" onClick={() => set({ lines: [...values.lines, newLine()] })}>
                {t('shipments.addLine')}
              </Button>
            </Group>
          </Stack>
        </Fieldset>
        <Fieldset legend={t('shipments.documents')}>
          <Text size="sm" c="dimmed" mb="xs">
            {t('shipments.documentsHint')}
          </Text>
          {!editing && (
            <Checkbox
              mb="xs"
              label={t('shipments.documentsDefault')}
              checked={values.documents === null}
              onChange={(event) =>
                set({ documents: event.currentTarget.checked ? null : ['waybill', 'donation_letter'] })
              }
            />
          )}
          {values.documents !== null && (
            <Checkbox.Group
              value={values.documents}
              onChange={(documents) => set({ documents })}
              error={problems.documents}
            >
              <Stack gap={6}>
                {documentKeys.map((documentKey) => (
                  <Checkbox
                    key={documentKey}
                    value={documentKey}
                    label={t(`shipments.document.${documentKey}` as 'shipments.document.waybill', {
                      defaultValue: shipment?.documents.find((d) => d.key === documentKey)?.label ?? documentKey,
                    })}
                  />
                ))}
              </Stack>
            </Checkbox.Group>
          )}
        </Fieldset>
        <Textarea
          label={t('shipments.notes')}
          autosize
          minRows={2}
          maxLength={SHIPMENT_NOTES_MAX}
          value={values.notes}
          onChange={(event) => set({ notes: event.currentTarget.value })}
          error={problems.notes}
          data-testid="shipment-notes"
        />
        {formMessage && shortages.length === 0 && (
          <Alert color="red" variant="light" role="alert" data-testid="form-error">
            {formMessage}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={saving} size="md" data-testid={editing ? 'edit-submit' : 'plan-submit'}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
