import '@mantine/core/styles/Table.css';
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
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
import {
  BASE_UNITS,
  LOCATION_KINDS,
  type BaseUnit,
  type CreateItemRequest,
  type CreateLocationRequest,
  type ItemDto,
  type LocationDto,
  type LocationKind,
} from '@karavan/shared';
import { request } from '../../../lib/api';
import { useAllItems, useItemName, useLocations } from '../../../lib/catalogue';
import { useCan } from '../../../lib/current-user';
import { formatNumber } from '../../../lib/format';
import { queryKeys } from '../../../lib/realtime/cache';
import { useUnitLabel } from '../../../lib/units';
import { uuid } from '../../../lib/uuid';
import { useApiFieldErrors, useErrorMessage } from '../../../ui/apiErrors';
import { MapPicker } from '../../../ui/MapPicker';
import { Pager } from '../../../ui/Pager';
import { QueryState } from '../../../ui/QueryState';
import { slicePage, usePagedList } from '../../../ui/usePagedList';

/** `/catalogue`: the items (names in four languages, pack units) and the places (kind, address, hours, position). */
export function CataloguePage() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<'items' | 'locations'>('items');
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

function Items() {
  const { t } = useTranslation();
  const canManage = useCan('catalogue:manage');
  const allItems = useAllItems();
  const paging = usePagedList('items');
  const items = { ...allItems, data: slicePage(allItems.data, paging) };
  const itemName = useItemName();
  const units = useUnitLabel();
  const [editing, setEditing] = useState<ItemDto | 'new' | null>(null);
  return (
    <Stack>
      {canManage && (
        <Group>
          <Button onClick={() => setEditing('new')} data-testid="item-new">
            {t('catalogue.addItem')}
          </Button>
        </Group>
      )}
      <QueryState query={items}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t('wb.empty')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table striped verticalSpacing="sm" data-testid="items-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('catalogue.name')}</Table.Th>
                    <Table.Th>{t('catalogue.baseUnit')}</Table.Th>
                    <Table.Th>{t('catalogue.packs')}</Table.Th>
                    <Table.Th>{t('catalogue.shelfLife')}</Table.Th>
                    <Table.Th>{t('catalogue.actions')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((item) => (
                    <Table.Tr key={item.id} data-testid="item-row">
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
                      <Table.Td>
                        {canManage && (
                          <Button size="xs" variant="default" onClick={() => setEditing(item)}>
                            {t('catalogue.edit')}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Pager page={items.data} onOffset={paging.setOffset} label={t('catalogue.items')} />
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('catalogue.addItem') : t('catalogue.edit')}
        size="lg"
      >
        {editing !== null && <ItemForm item={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      </Modal>
    </Stack>
  );
}

interface PackLine {
  key: string;
  unit: string;
  size: number | string;
}

function ItemForm({ item, onDone }: { item: ItemDto | null; onDone(): void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const units = useUnitLabel();
  const fieldErrors = useApiFieldErrors();
  const errorMessage = useErrorMessage();
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
  const [key] = useState(uuid);
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  type Field = 'ru' | 'en' | 'ky' | 'kk' | 'packs' | 'shelfLife' | 'baseUnit';
  const local: Partial<Record<Field, string>> = {};
  if (submitted) {
    if (!names.ru.trim()) local.ru = t('wb.fieldErrors.required');
    if (!names.en.trim()) local.en = t('wb.fieldErrors.required');
    if (packs.some((pack) => !pack.unit.trim() || !Number.isInteger(Number(pack.size)) || Number(pack.size) < 1))
      local.packs = t('catalogue.errors.pack');
    if (perishable && (shelfLife === '' || Number(shelfLife) < 1)) local.shelfLife = t('catalogue.errors.shelfLife');
  }
  const server = fieldErrors<Field>(error, {
    'body.name.ru': 'ru',
    'body.name.en': 'en',
    'body.name.ky': 'ky',
    'body.name.kk': 'kk',
    'body.packs': 'packs',
    'body.shelfLifeHours': 'shelfLife',
    'body.baseUnit': 'baseUnit',
  });
  const problems = { ...server, ...local };
  const formMessage = errorMessage(error, Object.keys(server).length > 0);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    const bad =
      !names.ru.trim() ||
      !names.en.trim() ||
      packs.some((pack) => !pack.unit.trim() || !Number.isInteger(Number(pack.size)) || Number(pack.size) < 1) ||
      (perishable && (shelfLife === '' || Number(shelfLife) < 1));
    if (bad) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const body: CreateItemRequest = {
      name: {
        ru: names.ru.trim(),
        en: names.en.trim(),
        ...(names.ky.trim() ? { ky: names.ky.trim() } : {}),
        ...(names.kk.trim() ? { kk: names.kk.trim() } : {}),
      },
      baseUnit,
      packs: packs.map((pack) => ({ unit: pack.unit.trim().toLowerCase(), size: Number(pack.size) })),
      perishable,
      shelfLifeHours: perishable ? Number(shelfLife) : null,
    };
    setSaving(true);
    setError(undefined);
    try {
      if (item) await request('PATCH', `/api/items/${item.id}`, body);
      else await request('POST', '/api/items', body, { 'Idempotency-Key': key });
      await queryClient.invalidateQueries({ queryKey: queryKeys.items('') });
      onDone();
    } catch (caught) {
      setError(caught);
      setSaving(false);
    }
  }

  return (
    <form onSubmit={(event) => void onSubmit(event)} noValidate data-testid="item-form">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {(['ru', 'en', 'ky', 'kk'] as const).map((language) => (
            <TextInput
              key={language}
              label={t(`catalogue.nameIn.${language}`)}
              required={language === 'ru' || language === 'en'}
              maxLength={120}
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
                maxLength={30}
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
              max={24 * 365 * 5}
              allowDecimal={false}
              value={shelfLife}
              onChange={setShelfLife}
              error={problems.shelfLife}
            />
          )}
        </Group>
        {formMessage && (
          <Alert color="red.9" variant="light" role="alert">
            {formMessage}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={saving} data-testid="item-submit">
            {t('wb.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Locations() {
  const { t } = useTranslation();
  const canManage = useCan('catalogue:manage');
  const allLocations = useLocations();
  const paging = usePagedList('locations');
  const locations = { ...allLocations, data: slicePage(allLocations.data, paging) };
  const [editing, setEditing] = useState<LocationDto | 'new' | null>(null);
  return (
    <Stack>
      {canManage && (
        <Group>
          <Button onClick={() => setEditing('new')} data-testid="location-new">
            {t('catalogue.addLocation')}
          </Button>
        </Group>
      )}
      <QueryState query={locations}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t('wb.empty')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table striped verticalSpacing="sm" data-testid="locations-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('catalogue.name')}</Table.Th>
                    <Table.Th>{t('catalogue.kind')}</Table.Th>
                    <Table.Th>{t('catalogue.address')}</Table.Th>
                    <Table.Th>{t('catalogue.position')}</Table.Th>
                    <Table.Th>{t('catalogue.actions')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((location) => (
                    <Table.Tr key={location.id} data-testid="location-row">
                      <Table.Td>
                        <Text fw={600}>{location.name}</Text>
                        {!location.active && <Badge color="#495057">{t('catalogue.inactive')}</Badge>}
                      </Table.Td>
                      <Table.Td>{t(`catalogue.kinds.${location.kind}`)}</Table.Td>
                      <Table.Td>
                        {location.address ?? '—'}
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
                      <Table.Td>
                        {canManage && (
                          <Button size="xs" variant="default" onClick={() => setEditing(location)}>
                            {t('catalogue.edit')}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Pager page={locations.data} onOffset={paging.setOffset} label={t('catalogue.locations')} />
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('catalogue.addLocation') : t('catalogue.edit')}
        size="lg"
      >
        {editing !== null && (
          <LocationForm location={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
        )}
      </Modal>
    </Stack>
  );
}

function LocationForm({ location, onDone }: { location: LocationDto | null; onDone(): void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const fieldErrors = useApiFieldErrors();
  const errorMessage = useErrorMessage();
  const [name, setName] = useState(location?.name ?? '');
  const [kind, setKind] = useState<LocationKind>(location?.kind ?? 'collection_point');
  const [address, setAddress] = useState(location?.address ?? '');
  const [hours, setHours] = useState(location?.openingHours ?? '');
  const [lat, setLat] = useState<number | string>(location?.position?.lat ?? '');
  const [lng, setLng] = useState<number | string>(location?.position?.lng ?? '');
  const [active, setActive] = useState(location?.active ?? true);
  const [key] = useState(uuid);
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  type Field = 'name' | 'kind' | 'address' | 'hours' | 'lat' | 'lng';
  const local: Partial<Record<Field, string>> = {};
  if (submitted) {
    if (!name.trim()) local.name = t('wb.fieldErrors.required');
    if ((lat === '') !== (lng === '')) local[lat === '' ? 'lat' : 'lng'] = t('catalogue.errors.bothCoordinates');
    if (lat !== '' && (Number(lat) < -90 || Number(lat) > 90)) local.lat = t('wb.fieldErrors.invalid');
    if (lng !== '' && (Number(lng) < -180 || Number(lng) > 180)) local.lng = t('wb.fieldErrors.invalid');
  }
  const server = fieldErrors<Field>(error, {
    'body.name': 'name',
    'body.kind': 'kind',
    'body.address': 'address',
    'body.openingHours': 'hours',
    'body.position.lat': 'lat',
    'body.position.lng': 'lng',
    'body.position': 'lat',
  });
  const problems = { ...server, ...local };
  const formMessage = errorMessage(error, Object.keys(server).length > 0);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    if (
      !name.trim() ||
      (lat === '') !== (lng === '') ||
      (lat !== '' && (Number(lat) < -90 || Number(lat) > 90)) ||
      (lng !== '' && (Number(lng) < -180 || Number(lng) > 180))
    ) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const body: CreateLocationRequest = {
      name: name.trim(),
      kind,
      address: address.trim() || null,
      openingHours: hours.trim() || null,
      position: lat === '' ? null : { lat: Number(lat), lng: Number(lng) },
      active,
    };
    setSaving(true);
    setError(undefined);
    try {
      if (location) await request('PATCH', `/api/locations/${location.id}`, body);
      else await request('POST', '/api/locations', body, { 'Idempotency-Key': key });
      await queryClient.invalidateQueries({ queryKey: queryKeys.locations() });
      onDone();
    } catch (caught) {
      setError(caught);
      setSaving(false);
    }
  }

  return (
    <form onSubmit={(event) => void onSubmit(event)} noValidate data-testid="location-form">
      <Stack>
        <TextInput
          label={t('catalogue.name')}
          required
          maxLength={120}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={problems.name}
          data-autofocus
        />
        <NativeSelect
          label={t('catalogue.kind')}
          data={LOCATION_KINDS.map((value) => ({ value, label: t(`catalogue.kinds.${value}`) }))}
          value={kind}
          onChange={(event) => setKind(event.currentTarget.value as LocationKind)}
          error={problems.kind}
        />
        <TextInput
          label={t('catalogue.address')}
          maxLength={300}
          value={address}
          onChange={(e) => setAddress(e.currentTarget.value)}
          error={problems.address}
        />
        <TextInput
          label={t('catalogue.openingHours')}
          maxLength={200}
          value={hours}
          onChange={(e) => setHours(e.currentTarget.value)}
          error={problems.hours}
        />
        <SimpleGrid cols={2}>
          <NumberInput
            label={t('catalogue.lat')}
            min={-90}
            max={90}
            decimalScale={6}
            value={lat}
            onChange={setLat}
            error={problems.lat}
          />
          <NumberInput
            label={t('catalogue.lng')}
            min={-180}
            max={180}
            decimalScale={6}
            value={lng}
            onChange={setLng}
            error={problems.lng}
          />
        </SimpleGrid>
        <MapPicker
          label={t('catalogue.mapHint')}
          lat={lat === '' ? null : Number(lat)}
          lng={lng === '' ? null : Number(lng)}
          onPick={(position) => {
            setLat(position.lat);
            setLng(position.lng);
          }}
        />
        <Text size="xs" c="dimmed">
          {t('catalogue.mapHint')}
        </Text>
        <Checkbox
          label={t('catalogue.active')}
          checked={active}
          onChange={(event) => setActive(event.currentTarget.checked)}
        />
        {formMessage && (
          <Alert color="red.9" variant="light" role="alert">
            {formMessage}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={saving} data-testid="location-submit">
            {t('wb.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
