import { useState, type ReactNode } from 'react';
import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NativeSelect,
  NumberInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import {
  LATITUDE_MAX,
  LONGITUDE_MAX,
  SHELF_LIFE_HOURS_MAX,
  TEXT_MAX,
  BASE_UNITS,
  LOCATION_KINDS,
  WEEKDAYS,
  formatDayHours,
  type BaseUnit,
  type ItemDto,
  type LocationDto,
  type LocationKind,
  type Page,
} from '@karavan/shared';
import { request } from '../../../lib/api';
import { useAllItems, useItemName, useLocalize, useLocations } from '../../../lib/catalogue';
import { useCan } from '../../../lib/current-user';
import { formatNumber } from '../../../lib/format';
import { useUnitLabel } from '../../../lib/units';
import { uuid } from '../../../lib/uuid';
import { EditDialog, FormActions, useEditForm } from '../../../ui/EditForm';
import { ListTable } from '../../../ui/ListPage';
import type { QueryLike } from '../../../ui/QueryState';
import { MapPicker } from '../../../ui/MapPicker';
import { Pager } from '../../../ui/Pager';
import { slicePage, usePagedList } from '../../../ui/usePagedList';
import {
  ITEM_SERVER_FIELDS,
  LOCATION_SERVER_FIELDS,
  itemRequest,
  locationRequest,
  locationValues,
  validateItem,
  validateLocation,
  type ItemValues,
  type LocationValues,
} from '../catalogue.form';

/** `/catalogue`: the items (names in four languages, pack units) and the places (kind, address, hours, position). */
export function CataloguePage() {
  const { t } = useTranslation();
  // `?tab=locations` opens on the places (the campaigns page links there when there are none).
  const [params] = useSearchParams();
  const [tab, setTab] = useState<'items' | 'locations'>(params.get('tab') === 'locations' ? 'locations' : 'items');
  return (
    <Stack gap="lg" data-testid="catalogue">
      <Title order={1} size="h2">
        {t('catalogue.title')}
      </Title>
      <SegmentedControl
        value={tab}
        onChange={(value) => setTab(value as 'items' | 'locations')}
        data={[
          { value: 'items', label: t('catalogue.items') },
          { value: 'locations', label: t('catalogue.locations') },
        ]}
        aria-label={t('catalogue.title')}
      />
      {tab === 'items' ? <Items /> : <Locations />}
    </Stack>
  );
}

/**
 * One tab of the catalogue: "add" for those who manage it, the table (each row with its edit
 * button) and the add/edit dialog.
 */
function CatalogueList<T extends { id: string }>({
  query,
  name,
  addLabel,
  columns,
  cells,
  form,
}: {
  query: QueryLike<Page<T>>;
  /** `item` or `location`: names the test ids (`item-new`, `items-table`, `item-row`). */
  name: 'item' | 'location';
  addLabel: string;
  columns: string[];
  cells(record: T): ReactNode;
  form(record: T | null, done: () => void): ReactNode;
}) {
  const { t } = useTranslation();
  const canManage = useCan('catalogue:manage');
  // The catalogue is loaded whole (every screen names items and places from it): paged here.
  const paging = usePagedList(name);
  const paged = { ...query, data: slicePage(query.data, paging) };
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  return (
    <Stack>
      {canManage && (
        <Group>
          <Button onClick={() => setEditing('new')} data-testid={`${name}-new`}>
            {addLabel}
          </Button>
        </Group>
      )}
      <ListTable
        query={paged}
        minWidth={640}
        testId={`${name}s-table`}
        empty={t('wb.empty')}
        columns={[...columns, t('catalogue.actions')]}
      >
        {(records) =>
          records.map((record) => (
            <Table.Tr key={record.id} data-testid={`${name}-row`}>
              {cells(record)}
              <Table.Td>
                {canManage && (
                  <Button size="xs" variant="default" onClick={() => setEditing(record)}>
                    {t('catalogue.edit')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))
        }
      </ListTable>
      <Pager page={paged.data} onOffset={paging.setOffset} label={addLabel} />
      <EditDialog
        editing={editing}
        onClose={() => setEditing(null)}
        addTitle={addLabel}
        editTitle={t('catalogue.edit')}
      >
        {(record) => form(record, () => setEditing(null))}
      </EditDialog>
    </Stack>
  );
}

function Items() {
  const { t } = useTranslation();
  const itemName = useItemName();
  const units = useUnitLabel();
  return (
    <CatalogueList
      query={useAllItems()}
      name="item"
      addLabel={t('catalogue.addItem')}
      columns={[t('catalogue.name'), t('catalogue.baseUnit'), t('catalogue.packs'), t('catalogue.shelfLife')]}
      cells={(item) => (
        <>
          <Table.Td>
            <Text fw={600}>{itemName(item.name)}</Text>
            <Text size="xs" c="dimmed">
              {[item.name.ru, item.name.en, item.name.ky, item.name.kk].filter(Boolean).join(' · ')}
            </Text>
          </Table.Td>
          <Table.Td>{units.label(item.baseUnit, 1)}</Table.Td>
          <Table.Td>
            {item.packs
              .map((pack) => `${units.label(pack.unit, 1)} = ${units.quantity(pack.size, item.baseUnit)}`)
              .join(', ') || '—'}
          </Table.Td>
          <Table.Td>
            {item.perishable && item.shelfLifeHours
              ? t('catalogue.hours', { hours: formatNumber(item.shelfLifeHours) })
              : t('catalogue.notPerishable')}
          </Table.Td>
        </>
      )}
      form={(item, done) => <ItemForm item={item} onDone={done} />}
    />
  );
}

interface PackLine {
  key: string;
  unit: string;
  size: number | string;
}

function ItemForm({ item, onDone }: { item: ItemDto | null; onDone(): void }) {
  const { t } = useTranslation();
  const units = useUnitLabel();
  const [names, setNames] = useState({
    ru: item?.name.ru ?? '',
    en: item?.name.en ?? '',
    ky: item?.name.ky ?? '',
    kk: item?.name.kk ?? '',
  });
  const [baseUnit, setBaseUnit] = useState<BaseUnit>(item?.baseUnit ?? 'piece');
  const [packs, setPacks] = useState<PackLine[]>(
    (item?.packs ?? []).map((pack) => ({ key: uuid(), unit: pack.unit, size: pack.size })),
  );
  const [perishable, setPerishable] = useState(item?.perishable ?? false);
  const [shelfLife, setShelfLife] = useState<number | string>(item?.shelfLifeHours ?? '');
  const values: ItemValues = { names, baseUnit, packs, perishable, shelfLife };
  const { problems, formMessage, saving, onSubmit } = useEditForm({
    validate: () => validateItem(values),
    serverFields: ITEM_SERVER_FIELDS,
    entity: 'items',
    submit: async (key) => {
      const body = itemRequest(values);
      if (item) await request('PATCH', `/api/items/${item.id}`, body);
      else await request('POST', '/api/items', body, { 'Idempotency-Key': key });
      onDone();
    },
  });

  return (
    <form onSubmit={onSubmit} noValidate data-testid="item-form">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {(['ru', 'en', 'ky', 'kk'] as const).map((language) => (
            <TextInput
              key={language}
              label={t(`catalogue.nameIn.${language}`)}
              required={language === 'ru' || language === 'en'}
              maxLength={TEXT_MAX.name}
              value={names[language]}
              onChange={(event) => {
                const value = event.currentTarget.value;
                setNames((current) => ({ ...current, [language]: value }));
              }}
              error={problems[language]}
            />
          ))}
        </SimpleGrid>
        <NativeSelect
          label={t('catalogue.baseUnit')}
          data={BASE_UNITS.map((unit) => ({ value: unit, label: units.label(unit, 1) }))}
          value={baseUnit}
          onChange={(event) => setBaseUnit(event.currentTarget.value as BaseUnit)}
          error={problems.baseUnit}
          disabled={item !== null}
        />
        <Stack gap="xs">
          <Text fw={500}>{t('catalogue.packs')}</Text>
          {packs.map((pack, index) => (
            <Group key={pack.key} align="flex-end">
              <TextInput
                label={t('catalogue.packUnit', { n: index + 1 })}
                placeholder="crate"
                maxLength={TEXT_MAX.unit}
                value={pack.unit}
                onChange={(event) => {
                  const value = event.currentTarget.value;
                  setPacks((current) =>
                    current.map((other) => (other.key === pack.key ? { ...other, unit: value } : other)),
                  );
                }}
              />
              <NumberInput
                label={t('catalogue.packSize', { n: index + 1, unit: units.label(baseUnit, 5) })}
                min={1}
                allowDecimal={false}
                value={pack.size}
                onChange={(value) =>
                  setPacks((current) =>
                    current.map((other) => (other.key === pack.key ? { ...other, size: value } : other)),
                  )
                }
              />
              <ActionIcon
                variant="subtle"
                color="red.9"
                size="lg"
                mb={4}
                aria-label={t('catalogue.removePack', { n: index + 1 })}
                onClick={() => setPacks((current) => current.filter((other) => other.key !== pack.key))}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          {problems.packs && (
            <Text size="sm" c="red.9" role="alert">
              {problems.packs}
            </Text>
          )}
          <Group>
            <Button
              variant="default"
              size="sm"
              onClick={() => setPacks((current) => [...current, { key: uuid(), unit: '', size: '' }])}
            >
              {t('catalogue.addPack')}
            </Button>
          </Group>
        </Stack>
        <Group align="flex-end">
          <Checkbox
            label={t('catalogue.perishable')}
            checked={perishable}
            onChange={(event) => setPerishable(event.currentTarget.checked)}
          />
          {perishable && (
            <NumberInput
              label={t('catalogue.shelfLifeHours')}
              min={1}
              max={SHELF_LIFE_HOURS_MAX}
              allowDecimal={false}
              value={shelfLife}
              onChange={setShelfLife}
              error={problems.shelfLife}
            />
          )}
        </Group>
        <FormActions message={formMessage} saving={saving} label={t('wb.save')} testId="item-submit" />
      </Stack>
    </form>
  );
}

function Locations() {
  const { t } = useTranslation();
  const localize = useLocalize();
  return (
    <CatalogueList
      query={useLocations()}
      name="location"
      addLabel={t('catalogue.addLocation')}
      columns={[t('catalogue.name'), t('catalogue.kind'), t('catalogue.address'), t('catalogue.position')]}
      cells={(location) => (
        <>
          <Table.Td>
            <Text fw={600}>{localize(location.name)}</Text>
            {!location.active && <Badge color="#495057">{t('catalogue.inactive')}</Badge>}
          </Table.Td>
          <Table.Td>{t(`catalogue.kinds.${location.kind}`)}</Table.Td>
          <Table.Td>
            {location.address ?? '—'}
            {location.weeklyHours && (
              <Text size="xs" c="dimmed">
                {WEEKDAYS.map(
                  (day) =>
                    `${t(`catalogue.weekdays.${day}`)} ${formatDayHours(location.weeklyHours![day]) || t('catalogue.closed')}`,
                ).join(' · ')}
              </Text>
            )}
            {location.openingHours && (
              <Text size="xs" c="dimmed">
                {location.openingHours}
              </Text>
            )}
          </Table.Td>
          <Table.Td>
            {location.position
              ? `${formatNumber(location.position.lat, { maximumFractionDigits: 5 })}, ${formatNumber(location.position.lng, { maximumFractionDigits: 5 })}`
              : '—'}
          </Table.Td>
        </>
      )}
      form={(location, done) => <LocationForm location={location} onDone={done} />}
    />
  );
}

function LocationForm({ location, onDone }: { location: LocationDto | null; onDone(): void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState<LocationValues>(() => locationValues(location));
  const set = (patch: Partial<LocationValues>) => setValues((current) => ({ ...current, ...patch }));
  const { names, kind, address, hours, week, lat, lng, active } = values;
  const { problems, formMessage, saving, onSubmit } = useEditForm({
    validate: () => validateLocation(values),
    serverFields: LOCATION_SERVER_FIELDS,
    entity: 'locations',
    submit: async (key) => {
      const body = locationRequest(values);
      if (location) await request('PATCH', `/api/locations/${location.id}`, body);
      else await request('POST', '/api/locations', body, { 'Idempotency-Key': key });
      onDone();
    },
  });

  return (
    <form onSubmit={onSubmit} noValidate data-testid="location-form">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {(['ru', 'en', 'ky', 'kk'] as const).map((language) => (
            <TextInput
              key={language}
              label={t(`catalogue.nameIn.${language}`)}
              description={language === 'ru' ? undefined : t('catalogue.nameFallback')}
              required={language === 'ru'}
              maxLength={TEXT_MAX.name}
              value={names[language]}
              onChange={(event) => set({ names: { ...names, [language]: event.currentTarget.value } })}
              error={problems[language]}
              data-autofocus={language === 'ru' ? true : undefined}
            />
          ))}
        </SimpleGrid>
        <NativeSelect
          label={t('catalogue.kind')}
          data={LOCATION_KINDS.map((value) => ({ value, label: t(`catalogue.kinds.${value}`) }))}
          value={kind}
          onChange={(event) => set({ kind: event.currentTarget.value as LocationKind })}
          error={problems.kind}
        />
        <TextInput
          label={t('catalogue.address')}
          maxLength={TEXT_MAX.address}
          value={address}
          onChange={(e) => set({ address: e.currentTarget.value })}
          error={problems.address}
        />
        <Fieldset legend={t('catalogue.openingHours')} variant="unstyled">
          <Text size="xs" c="dimmed" mb="xs">
            {t('catalogue.hoursHint')}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {WEEKDAYS.map((day) => (
              <TextInput
                key={day}
                label={t(`catalogue.weekdaysLong.${day}`)}
                placeholder="09:00–18:00"
                maxLength={60}
                value={week[day]}
                onChange={(event) => set({ week: { ...week, [day]: event.currentTarget.value } })}
                error={problems[day]}
                data-testid={`hours-${day}`}
              />
            ))}
          </SimpleGrid>
          <Group>
            <Button
              variant="default"
              size="sm"
              onClick={() => set({ week: Object.fromEntries(WEEKDAYS.map((day) => [day, week.mon])) as typeof week })}
            >
              {t('catalogue.sameEveryDay')}
            </Button>
          </Group>
          <TextInput
            label={t('catalogue.hoursNote')}
            maxLength={TEXT_MAX.openingHours}
            value={hours}
            onChange={(e) => set({ hours: e.currentTarget.value })}
            error={problems.hours}
          />
        </Fieldset>
        <SimpleGrid cols={2}>
          <NumberInput
            label={t('catalogue.lat')}
            min={-90}
            max={LATITUDE_MAX}
            decimalScale={6}
            value={lat}
            onChange={(value) => set({ lat: value })}
            error={problems.lat}
          />
          <NumberInput
            label={t('catalogue.lng')}
            min={-180}
            max={LONGITUDE_MAX}
            decimalScale={6}
            value={lng}
            onChange={(value) => set({ lng: value })}
            error={problems.lng}
          />
        </SimpleGrid>
        <MapPicker
          label={t('catalogue.mapHint')}
          lat={lat === '' ? null : Number(lat)}
          lng={lng === '' ? null : Number(lng)}
          onPick={(position) => set({ lat: position.lat, lng: position.lng })}
        />
        <Text size="xs" c="dimmed">
          {t('catalogue.mapHint')}
        </Text>
        <Checkbox
          label={t('catalogue.active')}
          checked={active}
          onChange={(event) => set({ active: event.currentTarget.checked })}
        />
        <FormActions message={formMessage} saving={saving} label={t('wb.save')} testId="location-submit" />
      </Stack>
    </form>
  );
}
