import '@mantine/core/styles/Table.css';
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  NativeSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ADJUSTMENT_REASONS, WRITE_OFF_REASONS, type StockRowDto, type WriteOffReason } from '@karavan/shared';
import { byId, useAllItems, useCampaigns, useItemName, useLocations } from '../../../lib/catalogue';
import { useCan } from '../../../lib/current-user';
import { formatDateTime, formatNumber, formatRelative, useFormatLanguage } from '../../../lib/format';
import { ApiRequestError } from '../../../lib/http';
import { queryKeys } from '../../../lib/realtime/cache';
import { useUnitLabel } from '../../../lib/units';
import { uuid } from '../../../lib/uuid';
import { useApiFieldErrors, useErrorMessage } from '../../../ui/apiErrors';
import { QueryState } from '../../../ui/QueryState';
import { Pager } from '../../../ui/Pager';
import { usePagedList } from '../../../ui/usePagedList';
import { adjust, useLotMovements, useStock, writeOff, type StockFilters } from '../api/stock.api';

type Dialog = { kind: 'writeOff' | 'adjust' | 'movements'; row: StockRowDto } | null;

/** Expiring first: the earliest expiry on top, goods that do not spoil last. */
function byExpiry(a: StockRowDto, b: StockRowDto): number {
  return (a.expiresAt ?? '9999').localeCompare(b.expiresAt ?? '9999') || a.lotId.localeCompare(b.lotId);
}

/** `/stock`: what is where, expiring lots first; write-offs, counts and a lot's movements. */
export function StockPage() {
  const { t } = useTranslation();
  useFormatLanguage();
  const canWrite = useCan('stock:write');
  const locations = useLocations();
  const items = useAllItems();
  const campaigns = useCampaigns();
  const itemName = useItemName();
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
    <Stack gap="lg" data-testid="stock">
      <Title order={1} size="h2">
        {t('stock.title')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} component="section" aria-label={t('wb.filters')}>
        <Select
          label={t('stock.place')}
          placeholder={t('wb.all')}
          clearable
          searchable
          nothingFoundMessage={t('common.nothingFound')}
          data={(locations.data?.items ?? [])
            .filter((location) => location.kind !== 'checkpoint')
            .map((location) => ({ value: location.id, label: location.name }))}
          value={filters.locationId}
          onChange={(value) => set({ locationId: value })}
        />
        <Select
          label={t('stock.item')}
          placeholder={t('wb.all')}
          clearable
          searchable
          nothingFoundMessage={t('common.nothingFound')}
          data={(items.data?.items ?? []).map((item) => ({ value: item.id, label: itemName(item.name) }))}
          value={filters.itemId}
          onChange={(value) => set({ itemId: value })}
        />
        <Select
          label={t('stock.campaign')}
          placeholder={t('wb.all')}
          clearable
          searchable
          nothingFoundMessage={t('common.nothingFound')}
          data={(campaigns.data?.items ?? []).map((campaign) => ({ value: campaign.id, label: campaign.name }))}
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
      </SimpleGrid>
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
      <QueryState query={stock}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed" data-testid="stock-empty">
              {t('stock.none')}
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table striped verticalSpacing="sm" data-testid="stock-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('stock.item')}</Table.Th>
                    <Table.Th>{t('stock.place')}</Table.Th>
                    <Table.Th>{t('stock.expires')}</Table.Th>
                    <Table.Th ta="right">{t('stock.onHand')}</Table.Th>
                    <Table.Th ta="right">{t('stock.reserved')}</Table.Th>
                    <Table.Th>
                      <VisuallyHidden>{t('stock.actions')}</VisuallyHidden>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {[...page.items].sort(byExpiry).map((row) => (
                    <Table.Tr key={`${row.locationId}:${row.lotId}`} data-testid="stock-row" data-lot={row.lotId}>
                      <Table.Td>
                        {itemName(itemsById.get(row.itemId)?.name)}
                        <Text size="xs" c="dimmed">
                          {campaignsById.get(row.campaignId)?.name}
                        </Text>
                      </Table.Td>
                      <Table.Td>{places.get(row.locationId)?.name ?? '?'}</Table.Td>
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
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Pager page={stock.data} onOffset={paging.setOffset} />
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={dialog !== null}
        onClose={() => setDialog(null)}
        size="lg"
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
      </Modal>
    </Stack>
  );
}

function useUnitChoices(row: StockRowDto) {
  const items = useAllItems();
  const units = useUnitLabel();
  const item = byId(items.data).get(row.itemId);
  return { item, choices: item ? units.choices(item) : [], units };
}

function WriteOffForm({ row, onDone }: { row: StockRowDto; onDone(message: string): void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const fieldErrors = useApiFieldErrors();
  const errorMessage = useErrorMessage();
  const { item, choices, units } = useUnitChoices(row);
  const [quantity, setQuantity] = useState<number | string>('');
  const [unit, setUnit] = useState(item?.baseUnit ?? '');
  const [reason, setReason] = useState<WriteOffReason | ''>('');
  const [note, setNote] = useState('');
  const [key] = useState(uuid);
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  const size = item?.packs.find((pack) => pack.unit === unit)?.size ?? 1;
  const available = row.onHand - row.reserved;
  const local: Partial<Record<'quantity' | 'reason' | 'note', string>> = {};
  if (submitted) {
    const n = Number(quantity);
    if (quantity === '' || !Number.isInteger(n) || n < 1) local.quantity = t('stock.errors.quantity');
    else if (n * size > available) local.quantity = t('stock.errors.moreThanAvailable');
    if (!reason) local.reason = t('wb.fieldErrors.required');
    if (reason === 'other' && !note.trim()) local.note = t('stock.errors.noteForOther');
  }
  const server = fieldErrors(error, {
    'body.quantity': 'quantity',
    'body.unit': 'quantity',
    'body.reason': 'reason',
    'body.note': 'note',
  } as const);
  if (error instanceof ApiRequestError && error.status === 409 && !server.quantity)
    server.quantity = t('stock.errors.moreThanAvailable');
  const problems = { ...server, ...local };
  const formMessage = errorMessage(error, Object.keys(server).length > 0);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    const n = Number(quantity);
    if (!Number.isInteger(n) || n < 1 || n * size > available || !reason || (reason === 'other' && !note.trim())) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      await writeOff(
        {
          locationId: row.locationId,
          lotId: row.lotId,
          quantity: n,
          ...(item && unit !== item.baseUnit ? { unit } : {}),
          reason,
          ...(note.trim() ? { note: note.trim() } : {}),
        },
        key,
      );
      await queryClient.invalidateQueries({ queryKey: queryKeys.stock() });
      onDone(t('stock.writtenOff', { quantity: item ? units.quantity(n * size, item.baseUnit) : n }));
    } catch (caught) {
      setError(caught);
      setSaving(false);
    }
  }

  return (
    <form onSubmit={(event) => void onSubmit(event)} noValidate data-testid="write-off-form">
      <Stack>
        <Text size="sm">
          {t('stock.available', { quantity: item ? units.quantity(available, item.baseUnit) : available })}
        </Text>
        <Group grow align="flex-start">
          <NumberInput
            label={t('stock.quantity')}
            required
            min={1}
            allowDecimal={false}
            value={quantity}
            onChange={setQuantity}
            error={problems.quantity}
            data-autofocus
          />
          <NativeSelect
            label={t('stock.unit')}
            data={choices}
            value={unit}
            onChange={(e) => setUnit(e.currentTarget.value)}
          />
        </Group>
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
          maxLength={1000}
          value={note}
          onChange={(event) => setNote(event.currentTarget.value)}
          error={problems.note}
        />
        {formMessage && (
          <Alert color="red.9" variant="light" role="alert">
            {formMessage}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" color="red.9" loading={saving} data-testid="write-off-submit">
            {t('stock.writeOffSubmit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AdjustForm({ row, onDone }: { row: StockRowDto; onDone(message: string): void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const fieldErrors = useApiFieldErrors();
  const errorMessage = useErrorMessage();
  const { item, choices, units } = useUnitChoices(row);
  const [counted, setCounted] = useState<number | string>('');
  const [unit, setUnit] = useState(item?.baseUnit ?? '');
  const [reason, setReason] = useState<string>('count');
  const [note, setNote] = useState('');
  const [key] = useState(uuid);
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const size = item?.packs.find((pack) => pack.unit === unit)?.size ?? 1;

  const local: Partial<Record<'counted' | 'note', string>> = {};
  if (submitted) {
    const n = Number(counted);
    if (counted === '' || !Number.isInteger(n) || n < 0) local.counted = t('stock.errors.counted');
    else if (n * size < row.reserved) local.counted = t('stock.errors.belowReserved');
    if (reason === 'other' && !note.trim()) local.note = t('stock.errors.noteForOther');
  }
  const server = fieldErrors(error, {
    'body.countedQuantity': 'counted',
    'body.unit': 'counted',
    'body.note': 'note',
  } as const);
  if (error instanceof ApiRequestError && error.status === 409 && !server.counted)
    server.counted = t('stock.errors.belowReserved');
  const problems = { ...server, ...local };
  const formMessage = errorMessage(error, Object.keys(server).length > 0);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    const n = Number(counted);
    if (
      counted === '' ||
      !Number.isInteger(n) ||
      n < 0 ||
      n * size < row.reserved ||
      (reason === 'other' && !note.trim())
    ) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      await adjust(
        {
          locationId: row.locationId,
          lotId: row.lotId,
          countedQuantity: n,
          ...(item && unit !== item.baseUnit ? { unit } : {}),
          reason,
          ...(note.trim() ? { note: note.trim() } : {}),
        },
        key,
      );
      await queryClient.invalidateQueries({ queryKey: queryKeys.stock() });
      onDone(t('stock.adjusted', { quantity: item ? units.quantity(n * size, item.baseUnit) : n }));
    } catch (caught) {
      setError(caught);
      setSaving(false);
    }
  }

  return (
    <form onSubmit={(event) => void onSubmit(event)} noValidate data-testid="adjust-form">
      <Stack>
        <Text size="sm">
          {t('stock.recorded', { quantity: item ? units.quantity(row.onHand, item.baseUnit) : row.onHand })}
        </Text>
        <Group grow align="flex-start">
          <NumberInput
            label={t('stock.counted')}
            required
            min={0}
            allowDecimal={false}
            value={counted}
            onChange={setCounted}
            error={problems.counted}
            data-autofocus
          />
          <NativeSelect
            label={t('stock.unit')}
            data={choices}
            value={unit}
            onChange={(e) => setUnit(e.currentTarget.value)}
          />
        </Group>
        <NativeSelect
          label={t('stock.reason')}
          data={ADJUSTMENT_REASONS.map((value) => ({ value, label: t(`stock.adjustReasons.${value}`) }))}
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value)}
        />
        <TextInput
          label={t('stock.note')}
          required={reason === 'other'}
          maxLength={1000}
          value={note}
          onChange={(event) => setNote(event.currentTarget.value)}
          error={problems.note}
        />
        {formMessage && (
          <Alert color="red.9" variant="light" role="alert">
            {formMessage}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={saving} data-testid="adjust-submit">
            {t('stock.adjustSubmit')}
          </Button>
        </Group>
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
