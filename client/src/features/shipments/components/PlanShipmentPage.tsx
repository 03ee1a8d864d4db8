import '@mantine/core/styles/Pill.css';
import '@mantine/core/styles/Fieldset.css';
import '@mantine/core/styles/PillsInput.css';
import { useState, type FormEvent } from 'react';
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
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { STANDARD_DOCUMENTS, type CreateShipmentRequest } from '@karavan/shared';
import { byId, useAllItems, useCampaigns, useItemName, useLocations } from '../../../lib/catalogue';
import { useCan } from '../../../lib/current-user';
import { useUnitLabel } from '../../../lib/units';
import { uuid } from '../../../lib/uuid';
import { useApiFieldErrors, useErrorMessage } from '../../../ui/apiErrors';
import { planShipment, useDriverChoices } from '../api/shipments.api';

interface Line {
  key: string;
  itemId: string | null;
  quantity: number | string;
  unit: string;
}

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
  | 'lines'
  | 'documents';

const newLine = (): Line => ({ key: uuid(), itemId: null, quantity: '', unit: '' });
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** `/shipments/new`: plan a shipment (nothing is reserved until it is loaded). */
export function PlanShipmentPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const itemName = useItemName();
  const units = useUnitLabel();
  const locations = useLocations();
  const campaigns = useCampaigns();
  const items = useAllItems();
  const drivers = useDriverChoices(useCan('users:manage'));
  const fieldErrors = useApiFieldErrors();
  const errorMessage = useErrorMessage();
  const itemsById = byId(items.data);

  const [campaignId, setCampaignId] = useState<string | null>(null);
  const [originId, setOriginId] = useState<string | null>(null);
  const [destinationId, setDestinationId] = useState<string | null>(null);
  const [route, setRoute] = useState<string[]>([]);
  const [driverId, setDriverId] = useState<string | null>(null);
  const [plate, setPlate] = useState('');
  const [kind, setKind] = useState('');
  const [capacityKg, setCapacityKg] = useState<number | string>('');
  const [departure, setDeparture] = useState('');
  const [arrival, setArrival] = useState('');
  const [routeHours, setRouteHours] = useState<number | string>('');
  const [lines, setLines] = useState<Line[]>([newLine()]);
  const [documents, setDocuments] = useState<string[] | null>(null);
  const [key, setKey] = useState(uuid);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const [submitted, setSubmitted] = useState(false);

  const places = (locations.data?.items ?? []).filter((location) => location.active);
  const stockPlaces = places
    .filter((location) => location.kind !== 'checkpoint')
    .map((location) => ({ value: location.id, label: location.name }));
  const checkpoints = places
    .filter((location) => location.kind === 'checkpoint')
    .map((location) => ({ value: location.id, label: location.name }));
  const itemOptions = (items.data?.items ?? []).map((item) => ({ value: item.id, label: itemName(item.name) }));

  const server = fieldErrors<Field>(error, {
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
    'body.lines': 'lines',
    'body.documents': 'documents',
  });
  const local = submitted ? validate() : {};
  const problems = { ...server, ...local };
  const formMessage = errorMessage(error, Object.keys(server).length > 0);

  function validate(): Partial<Record<Field, string>> {
    const found: Partial<Record<Field, string>> = {};
    const required = t('wb.fieldErrors.required');
    if (!campaignId) found.campaignId = required;
    if (!originId) found.originId = required;
    if (!destinationId) found.destinationId = required;
    if (originId && originId === destinationId) found.destinationId = t('shipments.errors.sameAsOrigin');
    if ((plate.trim() || kind.trim() || capacityKg !== '') && !plate.trim()) found.plate = required;
    if ((plate.trim() || capacityKg !== '') && !kind.trim()) found.kind = required;
    if (arrival && routeHours !== '') found.estimatedRouteHours = t('wb.fieldErrors.eitherOr');
    if (arrival && departure && new Date(arrival) <= new Date(departure))
      found.plannedArrivalAt = t('shipments.errors.arrivalBeforeDeparture');
    if (arrival && !departure) found.plannedDepartureAt = required;
    const filled = lines.filter((line) => line.itemId);
    if (filled.length === 0) found.lines = t('wb.fieldErrors.atLeastOne');
    else if (filled.some((line) => !Number.isInteger(Number(line.quantity)) || Number(line.quantity) < 1))
      found.lines = t('shipments.errors.quantity');
    else if (new Set(filled.map((line) => line.itemId)).size !== filled.length)
      found.lines = t('wb.fieldErrors.unique');
    return found;
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validate();
    setSubmitted(true);
    setError(undefined);
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const body: CreateShipmentRequest = {
      campaignId: campaignId!,
      originId: originId!,
      destinationId: destinationId!,
      route,
      driverId: driverId ?? null,
      vehicle: plate.trim()
        ? { plate: plate.trim(), kind: kind.trim(), capacityKg: capacityKg === '' ? null : Number(capacityKg) }
        : null,
      plannedDepartureAt: toIso(departure) ?? null,
      lines: lines
        .filter((line) => line.itemId)
        .map((line) => {
          const item = itemsById.get(line.itemId!);
          const unit = line.unit && line.unit !== item?.baseUnit ? line.unit : undefined;
          return { itemId: line.itemId!, quantity: Number(line.quantity), ...(unit ? { unit } : {}) };
        }),
    };
    if (arrival) body.plannedArrivalAt = toIso(arrival);
    if (routeHours !== '') body.estimatedRouteHours = Number(routeHours);
    if (documents) body.documents = documents.map((documentKey) => ({ key: documentKey }));
    setSaving(true);
    try {
      const shipment = await planShipment(body, key);
      setKey(uuid());
      void navigate(`/shipments/${shipment.id}`);
    } catch (caught) {
      setError(caught);
      setSaving(false);
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
    }
  }

  const updateLine = (lineKey: string, patch: Partial<Line>) =>
    setLines((current) => current.map((line) => (line.key === lineKey ? { ...line, ...patch } : line)));

  return (
    <form onSubmit={(event) => void onSubmit(event)} noValidate data-testid="plan-form">
      <Stack gap="lg">
        <Group justify="space-between">
          <Title order={1} size="h2">
            {t('shipments.planTitle')}
          </Title>
          <Button component={Link} to="/shipments" variant="subtle">
            {t('wb.back')}
          </Button>
        </Group>
        <Fieldset legend={t('shipments.where')}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label={t('shipments.campaign')}
              required
              searchable
              selectFirstOptionOnChange
              nothingFoundMessage={t('common.nothingFound')}
              data={(campaigns.data?.items ?? [])
                .filter((campaign) => campaign.status === 'active')
                .map((campaign) => ({ value: campaign.id, label: campaign.name }))}
              value={campaignId}
              onChange={setCampaignId}
              error={problems.campaignId}
            />
            <Select
              label={t('shipments.origin')}
              required
              searchable
              selectFirstOptionOnChange
              nothingFoundMessage={t('common.nothingFound')}
              data={stockPlaces}
              value={originId}
              onChange={setOriginId}
              error={problems.originId}
            />
            <Select
              label={t('shipments.destination')}
              required
              searchable
              selectFirstOptionOnChange
              nothingFoundMessage={t('common.nothingFound')}
              data={stockPlaces}
              value={destinationId}
              onChange={setDestinationId}
              error={problems.destinationId}
            />
          </SimpleGrid>
          <MultiSelect
            mt="sm"
            label={t('shipments.checkpoints')}
            description={t('shipments.checkpointsHint')}
            searchable
            nothingFoundMessage={t('common.nothingFound')}
            data={checkpoints}
            value={route}
            onChange={setRoute}
            error={problems.route}
          />
        </Fieldset>
        <Fieldset legend={t('shipments.vehicleAndDriver')}>
          <SimpleGrid cols={{ base: 1, sm: 4 }}>
            <Select
              label={t('shipments.driver')}
              searchable
              clearable
              nothingFoundMessage={t('common.nothingFound')}
              data={(drivers.data ?? []).map((driver) => ({ value: driver.id, label: driver.name }))}
              value={driverId}
              onChange={setDriverId}
              error={problems.driverId}
            />
            <TextInput
              label={t('shipments.vehicleKind')}
              value={kind}
              onChange={(event) => setKind(event.currentTarget.value)}
              maxLength={40}
              error={problems.kind}
            />
            <TextInput
              label={t('shipments.plate')}
              value={plate}
              onChange={(event) => setPlate(event.currentTarget.value)}
              maxLength={20}
              error={problems.plate}
            />
            <NumberInput
              label={t('shipments.capacityKg')}
              min={1}
              max={200_000}
              value={capacityKg}
              onChange={setCapacityKg}
              error={problems.capacityKg}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t('shipments.when')}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput
              type="datetime-local"
              label={t('shipments.plannedDeparture')}
              value={departure}
              onChange={(event) => setDeparture(event.currentTarget.value)}
              error={problems.plannedDepartureAt}
            />
            <TextInput
              type="datetime-local"
              label={t('shipments.plannedArrival')}
              value={arrival}
              onChange={(event) => setArrival(event.currentTarget.value)}
              error={problems.plannedArrivalAt}
            />
            <NumberInput
              label={t('shipments.routeHours')}
              description={t('shipments.routeHoursHint')}
              min={0}
              max={720}
              decimalScale={1}
              value={routeHours}
              onChange={setRouteHours}
              error={problems.estimatedRouteHours}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t('shipments.goods')}>
          <Stack gap="sm" data-testid="plan-lines">
            {lines.map((line, index) => {
              const item = line.itemId ? itemsById.get(line.itemId) : undefined;
              const unit = line.unit || item?.baseUnit || '';
              const size = item?.packs.find((pack) => pack.unit === unit)?.size ?? 1;
              const total = Number(line.quantity) > 0 ? Number(line.quantity) * size : 0;
              return (
                <Group key={line.key} align="flex-end" wrap="wrap" data-testid="plan-line">
                  <Select
                    label={t('shipments.item', { n: index + 1 })}
                    searchable
                    selectFirstOptionOnChange
                    nothingFoundMessage={t('common.nothingFound')}
                    data={itemOptions}
                    value={line.itemId}
                    onChange={(value) => updateLine(line.key, { itemId: value, unit: '' })}
                    miw={220}
                    style={{ flex: 2 }}
                  />
                  <NumberInput
                    label={t('shipments.quantity', { n: index + 1 })}
                    min={1}
                    allowDecimal={false}
                    value={line.quantity}
                    onChange={(value) => updateLine(line.key, { quantity: value })}
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
                    disabled={lines.length === 1}
                    onClick={() => setLines((current) => current.filter((other) => other.key !== line.key))}
                  >
                    ×
                  </ActionIcon>
                </Group>
              );
            })}
            {problems.lines && (
              <Text c="red.8" size="sm" role="alert" data-testid="lines-error">
                {problems.lines}
              </Text>
            )}
            <Group>
              <Button variant="default" onClick={() => setLines((current) => [...current, newLine()])}>
                {t('shipments.addLine')}
              </Button>
            </Group>
          </Stack>
        </Fieldset>
        <Fieldset legend={t('shipments.documents')}>
          <Text size="sm" c="dimmed" mb="xs">
            {t('shipments.documentsHint')}
          </Text>
          <Checkbox
            mb="xs"
            label={t('shipments.documentsDefault')}
            checked={documents === null}
            onChange={(event) => setDocuments(event.currentTarget.checked ? null : ['waybill', 'donation_letter'])}
          />
          {documents !== null && (
            <Checkbox.Group value={documents} onChange={setDocuments} error={problems.documents}>
              <Stack gap={6}>
                {Object.keys(STANDARD_DOCUMENTS).map((documentKey) => (
                  <Checkbox
                    key={documentKey}
                    value={documentKey}
                    label={t(`shipments.document.${documentKey}` as 'shipments.document.waybill')}
                  />
                ))}
              </Stack>
            </Checkbox.Group>
          )}
        </Fieldset>
        {formMessage && (
          <Alert color="red" variant="light" role="alert" data-testid="form-error">
            {formMessage}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={saving} size="md" data-testid="plan-submit">
            {t('shipments.planSubmit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
