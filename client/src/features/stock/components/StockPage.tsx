import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Group,
  NativeSelect,
  NumberInput,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import {
  TEXT_MAX,
  ADJUSTMENT_REASONS,
  WRITE_OFF_REASONS,
  type StockRowDto,
  type WriteOffReason,
} from '@karavan/shared';
import { byId, useAllItems, useCampaigns, useItemName, useLocalize, useLocations } from '../../../lib/catalogue';
import { useCan } from '../../../lib/current-user';
import { formatDateTime, formatNumber, formatRelative, useFormatLanguage } from '../../../lib/format';
import { invalidateEntity } from '../../../lib/writes';
import { useQuantityReader } from '../../../lib/quantity';
import { useUnitLabel } from '../../../lib/units';
import { FormActions, FormModal, useEditForm } from '../../../ui/EditForm';
import { ChoiceFilter, ListPage, ListTable } from '../../../ui/ListPage';
import { Pager } from '../../../ui/Pager';
import { usePagedList } from '../../../ui/usePagedList';
import { QueryState } from '../../../ui/QueryState';
import {
  adjust,
  useExpiredStock,
  useLotMovements,
  useStock,
  useWriteOffExpired,
  writeOff,
  type StockFilters,
} from '../api/stock.api';
import { uuid } from '../../../lib/uuid';
import {
  ADJUST_SERVER_FIELDS,
  WRITE_OFF_SERVER_FIELDS,
  byExpiry,
  lotChange,
  unitSize,
  validateAdjust,
  validateWriteOff,
} from '../stock.form';

type Dialog = { kind: 'writeOff' | 'adjust' | 'movements'; row: StockRowDto } | null;

/** `/stock`: what is where, expiring lots first; write-offs, counts and a lot's movements. */
export function StockPage() {
  const { t } = useTranslation();
  useFormatLanguage();
  const canWrite = useCan('stock:write');
  const locations = useLocations();
  const items = useAllItems();
  const campaigns = useCampaigns();
  const itemName = useItemName();
  const localize = useLocalize();
  const units = useUnitLabel();
  const [filters, setFilters] = useState<StockFilters>({
    locationId: null,
    itemId: null,
    campaignId: null,
    expiringWithinHours: null,
  });
  const [dialog, setDialog] = useState<Dialog>(null);
  const [done, setDone] = useState<string | null>(null);
  const paging = usePagedList(filters);
  const stock = useStock(filters, paging);
  const places = byId(locations.data);
  const itemsById = byId(items.data);
  const campaignsById = byId(campaigns.data);
  const quantity = (itemId: string, value: number) => {
    const item = itemsById.get(itemId);
    return item ? units.quantity(value, item.baseUnit) : formatNumber(value);
  };
  const set = (patch: Partial<StockFilters>) => setFilters((current) => ({ ...current, ...patch }));

  return (
    <ListPage
      title={t('stock.title')}
      testId="stock"
      filters={
        <>
          <ChoiceFilter
            label={t('stock.place')}
            searchable
            data={(locations.data?.items ?? [])
              .filter((location) => location.kind !== 'checkpoint')
              .map((location) => ({ value: location.id, label: localize(location.name) }))}
            value={filters.locationId}
            onChange={(value) => set({ locationId: value })}
          />
          <ChoiceFilter
            label={t('stock.item')}
            searchable
            data={(items.data?.items ?? []).map((item) => ({ value: item.id, label: itemName(item.name) }))}
            value={filters.itemId}
            onChange={(value) => set({ itemId: value })}
          />
          <ChoiceFilter
            label={t('stock.campaign')}
            searchable
            data={(campaigns.data?.items ?? []).map((campaign) => ({
              value: campaign.id,
              label: localize(campaign.name),
            }))}
            value={filters.campaignId}
            onChange={(value) => set({ campaignId: value })}
          />
          <NumberInput
            label={t('stock.expiringWithin')}
            description={t('stock.expiringWithinHint')}
            min={0}
            max={8760}
            allowDecimal={false}
            value={filters.expiringWithinHours ?? ''}
            onChange={(value) =>
              set({ expiringWithinHours: value === '' ? null : Math.max(0, Math.floor(Number(value))) })
            }
          />
        </>
      }
    >
      {done && (
        <Alert
          color="green.9"
          variant="light"
          role="status"
          withCloseButton
          closeButtonLabel={t('common.close')}
          onClose={() => setDone(null)}
          data-testid="stock-done"
        >
          {done}
        </Alert>
      )}
      <ToWriteOff
        locationId={filters.locationId}
        canWrite={canWrite}
        placeName={(id) => localize(places.get(id)?.name) || '?'}
        quantity={quantity}
        itemName={(id) => itemName(itemsById.get(id)?.name)}
        onDone={setDone}
      />
      <ListTable
        query={stock}
        minWidth={760}
        testId="stock-table"
        empty={t('stock.none')}
        emptyTestId="stock-empty"
        columns={[
          t('stock.item'),
          t('stock.place'),
          t('stock.expires'),
          { label: t('stock.onHand'), align: 'right' },
          { label: t('stock.reserved'), align: 'right' },
          <VisuallyHidden key="actions">{t('stock.actions')}</VisuallyHidden>,
        ]}
      >
        {(rows) => {
          // The campaign is said under a row only when the rows are of several campaigns (and then on one line).
          const several = new Set(rows.map((row) => row.campaignId)).size > 1;
          return [...rows].sort(byExpiry).map((row) => (
            <Table.Tr key={`${row.locationId}:${row.lotId}`} data-testid="stock-row" data-lot={row.lotId}>
              <Table.Td>
                {itemName(itemsById.get(row.itemId)?.name)}
                {several && (
                  <Text size="xs" c="dimmed" lineClamp={1} title={localize(campaignsById.get(row.campaignId)?.name)}>
                    {localize(campaignsById.get(row.campaignId)?.name)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{localize(places.get(row.locationId)?.name) || '?'}</Table.Td>
              <Table.Td>
                {row.expiresAt ? (
                  <>
                    {formatDateTime(row.expiresAt)}{' '}
                    {row.expired ? (
                      <Badge color="red.9" variant="filled">
                        {t('stock.expired')}
                      </Badge>
                    ) : (
                      <Text span size="xs" c="dimmed">
                        ({formatRelative(row.expiresAt)})
                      </Text>
                    )}
                  </>
                ) : (
                  t('stock.noExpiry')
                )}
              </Table.Td>
              <Table.Td ta="right" data-testid="stock-on-hand">
                {quantity(row.itemId, row.onHand)}
              </Table.Td>
              <Table.Td ta="right">{row.reserved > 0 ? quantity(row.itemId, row.reserved) : '—'}</Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap" justify="flex-end">
                  {canWrite && (
                    <>
                      <Button size="xs" variant="default" onClick={() => setDialog({ kind: 'writeOff', row })}>
                        {t('stock.writeOff')}
                      </Button>
                      <Button size="xs" variant="default" onClick={() => setDialog({ kind: 'adjust', row })}>
                        {t('stock.adjust')}
                      </Button>
                    </>
                  )}
                  <Button size="xs" variant="subtle" onClick={() => setDialog({ kind: 'movements', row })}>
                    {t('stock.movements')}
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ));
        }}
      </ListTable>
      <Pager page={stock.data} onOffset={paging.setOffset} />
      <FormModal
        opened={dialog !== null}
        onClose={() => setDialog(null)}
        title={
          dialog
            ? `${t(`stock.${dialog.kind}Title`)}: ${itemName(itemsById.get(dialog.row.itemId)?.name)}, ${places.get(dialog.row.locationId)?.name ?? ''}`
            : ''
        }
      >
        {dialog?.kind === 'writeOff' && (
          <WriteOffForm
            row={dialog.row}
            onDone={(message) => {
              setDialog(null);
              setDone(message);
            }}
          />
        )}
        {dialog?.kind === 'adjust' && (
          <AdjustForm
            row={dialog.row}
            onDone={(message) => {
              setDialog(null);
              setDone(message);
            }}
          />
        )}
        {dialog?.kind === 'movements' && <Movements row={dialog.row} />}
      </FormModal>
    </ListPage>
  );
}

/**
 * What waits to be written off: the expired lots, by place, each place with one action that writes
 * off all of them there (reserved goods stay until their shipment releases them).
 */
function ToWriteOff({
  locationId,
  canWrite,
  placeName,
  quantity,
  itemName,
  onDone,
}: {
  locationId: string | null;
  canWrite: boolean;
  placeName(id: string): string;
  quantity(itemId: string, value: number): string;
  itemName(itemId: string): string;
  onDone(message: string): void;
}) {
  const { t } = useTranslation();
  const expired = useExpiredStock(locationId);
  const writeOffAll = useWriteOffExpired();
  const [key, setKey] = useState(uuid);
  const byPlace = new Map<string, StockRowDto[]>();
  for (const row of expired.data?.items ?? [])
    byPlace.set(row.locationId, [...(byPlace.get(row.locationId) ?? []), row]);
  if (byPlace.size === 0) return null;
  return (
    <Stack gap="sm" data-testid="to-write-off">
      {[...byPlace].map(([placeId, rows]) => (
        <Alert
          key={placeId}
          color="red.9"
          variant="light"
          title={t('stock.toWriteOff', { place: placeName(placeId) })}
          data-testid="to-write-off-place"
          data-location={placeId}
        >
          <Stack gap="xs">
            <Text size="sm" component="ul" m={0} pl="md">
              {rows.map((row) => (
                <li key={row.lotId}>
                  {itemName(row.itemId)} — {quantity(row.itemId, row.onHand - row.reserved)}
                  {row.expiresAt ? ` (${formatDateTime(row.expiresAt)})` : ''}
                </li>
              ))}
            </Text>
            {canWrite && (
              <Group>
                <Button
                  color="red.9"
                  loading={writeOffAll.isPending && writeOffAll.variables?.locationId === placeId}
                  data-testid="write-off-expired"
                  onClick={() =>
                    writeOffAll.mutate(
                      { locationId: placeId, key },
                      {
                        onSuccess: (result) => {
                          setKey(uuid());
                          onDone(
                            t('stock.expiredWrittenOff', { count: result.movements.length, place: placeName(placeId) }),
                          );
                        },
                      },
                    )
                  }
                >
                  {t('stock.writeOffExpired')}
                </Button>
                {writeOffAll.isError && (
                  <Text c="red.9" size="sm" role="alert">
                    {t('stock.writeOffExpiredFailed')}
                  </Text>
                )}
              </Group>
            )}
          </Stack>
        </Alert>
      ))}
    </Stack>
  );
}

function useUnitChoices(row: StockRowDto) {
  const items = useAllItems();
  const units = useUnitLabel();
  const item = byId(items.data).get(row.itemId);
  return { item, choices: item ? units.choices(item) : [], units };
}

/**
 * What the write-off and the count share: the unit the quantity is typed in (and its size in base
 * units), the note, quantities said in the item's base unit, and the end of a change (the stock
 * reloaded, the dialog closed with a message).
 */
function useLotForm(row: StockRowDto, onDone: (message: string) => void) {
  const queryClient = useQueryClient();
  const { item, choices, units } = useUnitChoices(row);
  const [unit, setUnit] = useState(item?.baseUnit ?? '');
  const [note, setNote] = useState('');
  const read = useQuantityReader();
  return {
    /** Reads the typed quantity in the chosen unit: the number, or what the field allows. */
    readQuantity: (typed: string, min: number) =>
      read(typed, { min, unit: unit || item?.baseUnit, hasPacks: Boolean(item?.packs.length) }),
    /** The unit choice of the quantity field (`<QuantityInUnit {...unitPicker} />`). */
    unitPicker: { choices, unit, onUnitChange: setUnit },
    note,
    setNote,
    size: unitSize(item, unit),
    change: () => lotChange(row, item, unit, note),
    inBase: (quantity: number) => (item ? units.quantity(quantity, item.baseUnit) : quantity),
    done: async (message: string) => {
      await invalidateEntity(queryClient, 'stock');
      onDone(message);
    },
  };
}

/** A whole quantity (the dialog's first field) in one of the item's units, typed as text (see useQuantityReader). */
function QuantityInUnit({
  label,
  value,
  onChange,
  error,
  choices,
  unit,
  onUnitChange,
}: {
  label: string;
  value: string;
  onChange(value: string): void;
  error: string | undefined;
  choices: { value: string; label: string }[];
  unit: string;
  onUnitChange(unit: string): void;
}) {
  const { t } = useTranslation();
  return (
    <Group grow align="flex-start">
      <TextInput
        label={label}
        required
        inputMode="numeric"
        autoComplete="off"
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
        error={error}
        data-autofocus
        data-testid="lot-quantity"
      />
      <NativeSelect
        label={t('stock.unit')}
        data={choices}
        value={unit}
        onChange={(e) => onUnitChange(e.currentTarget.value)}
      />
    </Group>
  );
}

function WriteOffForm({ row, onDone }: { row: StockRowDto; onDone(message: string): void }) {
  const { t } = useTranslation();
  const { unitPicker, note, setNote, size, change, inBase, done, readQuantity } = useLotForm(row, onDone);
  const [typed, setTyped] = useState('');
  const reading = readQuantity(typed, 1);
  const quantity = reading.value ?? '';
  const [reason, setReason] = useState<WriteOffReason | ''>('');
  const { problems, formMessage, saving, onSubmit } = useEditForm({
    validate: () => validateWriteOff(row, { quantity, size, reason, note }),
    serverFields: WRITE_OFF_SERVER_FIELDS,
    conflict: { field: 'quantity', message: 'stock.errors.moreThanAvailable' },
    submit: async (key) => {
      const n = Number(quantity);
      await writeOff({ ...change(), quantity: n, reason: reason as WriteOffReason }, key);
      await done(t('stock.writtenOff', { quantity: inBase(n * size) }));
    },
  });

  return (
    <form onSubmit={onSubmit} noValidate data-testid="write-off-form">
      <Stack>
        <Text size="sm">{t('stock.available', { quantity: inBase(row.onHand - row.reserved) })}</Text>
        <QuantityInUnit
          label={t('stock.quantity')}
          value={typed}
          onChange={setTyped}
          error={problems.quantity && (reading.error ?? problems.quantity)}
          {...unitPicker}
        />
        <NativeSelect
          label={t('stock.reason')}
          required
          data={[
            { value: '', label: t('stock.chooseReason') },
            ...WRITE_OFF_REASONS.map((value) => ({ value, label: t(`stock.reasons.${value}`) })),
          ]}
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value as WriteOffReason)}
          error={problems.reason}
        />
        <Textarea
          label={t('stock.note')}
          required={reason === 'other'}
          maxLength={TEXT_MAX.note}
          value={note}
          onChange={(event) => setNote(event.currentTarget.value)}
          error={problems.note}
        />
        <FormActions
          message={formMessage}
          saving={saving}
          label={t('stock.writeOffSubmit')}
          testId="write-off-submit"
          color="red.9"
        />
      </Stack>
    </form>
  );
}

function AdjustForm({ row, onDone }: { row: StockRowDto; onDone(message: string): void }) {
  const { t } = useTranslation();
  const { unitPicker, note, setNote, size, change, inBase, done, readQuantity } = useLotForm(row, onDone);
  const [typed, setTyped] = useState('');
  const reading = readQuantity(typed, 0);
  const counted = reading.value ?? '';
  const [reason, setReason] = useState<string>('count');
  const { problems, formMessage, saving, onSubmit } = useEditForm({
    validate: () => validateAdjust(row, { counted, size, reason, note }),
    serverFields: ADJUST_SERVER_FIELDS,
    conflict: { field: 'counted', message: 'stock.errors.belowReserved' },
    submit: async (key) => {
      const n = Number(counted);
      await adjust({ ...change(), countedQuantity: n, reason }, key);
      await done(t('stock.adjusted', { quantity: inBase(n * size) }));
    },
  });

  return (
    <form onSubmit={onSubmit} noValidate data-testid="adjust-form">
      <Stack>
        <Text size="sm">{t('stock.recorded', { quantity: inBase(row.onHand) })}</Text>
        <QuantityInUnit
          label={t('stock.counted')}
          value={typed}
          onChange={setTyped}
          error={problems.counted && (reading.error ?? problems.counted)}
          {...unitPicker}
        />
        <NativeSelect
          label={t('stock.reason')}
          data={ADJUSTMENT_REASONS.map((value) => ({ value, label: t(`stock.adjustReasons.${value}`) }))}
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value)}
        />
        <TextInput
          label={t('stock.note')}
          required={reason === 'other'}
          maxLength={TEXT_MAX.note}
          value={note}
          onChange={(event) => setNote(event.currentTarget.value)}
          error={problems.note}
        />
        <FormActions message={formMessage} saving={saving} label={t('stock.adjustSubmit')} testId="adjust-submit" />
      </Stack>
    </form>
  );
}

function Movements({ row }: { row: StockRowDto }) {
  const { t } = useTranslation();
  const movements = useLotMovements(row);
  const { item, units } = useUnitChoices(row);
  return (
    <QueryState query={movements}>
      {(page) =>
        page.items.length === 0 ? (
          <Text c="dimmed">{t('wb.empty')}</Text>
        ) : (
          <Table verticalSpacing="xs" data-testid="movements">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('stock.when')}</Table.Th>
                <Table.Th>{t('stock.kind')}</Table.Th>
                <Table.Th ta="right">{t('stock.quantity')}</Table.Th>
                <Table.Th>{t('stock.reason')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {page.items.map((movement) => (
                <Table.Tr key={movement.id} data-testid="movement">
                  <Table.Td>{formatDateTime(movement.at)}</Table.Td>
                  <Table.Td>{t(`stock.kinds.${movement.kind}`)}</Table.Td>
                  <Table.Td ta="right">
                    {movement.quantity > 0 ? '+' : ''}
                    {item ? units.quantity(movement.quantity, item.baseUnit) : formatNumber(movement.quantity)}
                  </Table.Td>
                  <Table.Td>
                    {[
                      movement.reason
                        ? t(`stock.reasons.${movement.reason}` as 'stock.reasons.other', {
                            defaultValue: movement.reason,
                          })
                        : null,
                      movement.note,
                    ]
                      .filter(Boolean)
                      .join(' — ') || '—'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )
      }
    </QueryState>
  );
}
