import { memo, useEffect, useMemo } from 'react';
import { Badge, Group, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { CampaignProgressDto, ItemDto, LocationDto, ShipmentSummaryDto, TranslatedName } from '@karavan/shared';
import { byId, useAllItems, useCampaigns, useItemName, useLocalize, useLocations } from '../../../lib/catalogue';
import type { StockRowDto } from '../../../lib/contracts';
import { formatNumber, formatRelative, formatTime } from '../../../lib/format';
import { useLiveConnection, useRoom } from '../../../lib/realtime/RealtimeProvider';
import { useNow } from '../../../lib/use-now';
import { useUnitLabel } from '../../../lib/units';
import { NoCampaign } from '../../../ui/NoCampaign';
import { QueryState } from '../../../ui/QueryState';
import {
  useCampaignStock,
  useDashboardLive,
  useDonationsOverTime,
  useFeed,
  useFeedHistory,
  useLastEventAt,
  useProgress,
  useRoadShipments,
  type DashboardLive,
  type FeedEntry,
} from '../api/dashboard';
import { ShownOf } from './ShownOf';
import { DonationsChart } from './DonationsChart';
import { ShipmentsMap } from './ShipmentsMap';
import { PledgesPanel } from './PledgesPanel';
import './dashboard.css';

const HOUR_MS = 3_600_000;
const STALE_MS = 2 * HOUR_MS;

/** The organisers' live dashboard: one screen, kept current by live events, never reloaded. */
export function DashboardPage() {
  const { t } = useTranslation('dashboard');
  const campaigns = useCampaigns();
  const localize = useLocalize();
  const [params, setParams] = useSearchParams();
  const live = useDashboardLive();
  useRoom('dashboard');

  const list = useMemo(() => (campaigns.data?.items ?? []).filter((c) => c.status !== 'draft'), [campaigns.data]);
  const chosen = params.get('campaign');
  const campaign = list.find((c) => c.id === chosen) ?? list.find((c) => c.status === 'active') ?? list[0] ?? null;
  // A campaign named in the address is loaded at once, alongside the list of campaigns (one
  // round trip less on opening); the list then confirms it or picks another.
  const boardId = campaigns.data ? (campaign?.id ?? null) : chosen && /^[0-9a-f]{24}$/.test(chosen) ? chosen : null;

  return (
    <div className="dashboard-wide">
      <Stack gap="md">
        <Group justify="space-between" align="flex-end" wrap="wrap">
          <Title order={1}>{t('title')}</Title>
          <ConnectionState live={live} />
        </Group>
        <QueryState query={campaigns}>
          {() =>
            campaign ? (
              <Select
                label={t('campaign')}
                data={list.map((c) => ({ value: c.id, label: localize(c.name) }))}
                value={campaign.id}
                allowDeselect={false}
                onChange={(value) => value && setParams({ campaign: value }, { replace: true })}
                maw={480}
                size="md"
              />
            ) : (
              <NoCampaign drafts={(campaigns.data?.items ?? []).some((c) => c.status === 'draft')} />
            )
          }
        </QueryState>
        {boardId && <CampaignBoard key={boardId} campaignId={boardId} live={live} />}
      </Stack>
    </div>
  );
}

function ConnectionState({ live }: { live: DashboardLive }) {
  const { t } = useTranslation('dashboard');
  const status = useLiveConnection();
  const lastEventAt = useLastEventAt(live);
  const now = useNow(30_000);
  const time = formatTime(lastEventAt ?? now);
  return (
    <div role="status" aria-live="polite" data-testid="connection" data-status={status}>
      {status === 'connected' ? (
        <Badge color="#1b5e20" size="xl" variant="filled">
          {t('live')} · {t('lastUpdate', { time })}
        </Badge>
      ) : (
        <Badge color={status === 'reconnecting' ? '#8a3c00' : '#495057'} size="xl" variant="filled">
          {status === 'reconnecting' ? t('reconnecting', { time }) : t('connecting')}
        </Badge>
      )}
    </div>
  );
}

function CampaignBoard({ campaignId, live }: { campaignId: string; live: DashboardLive }) {
  const { t } = useTranslation('dashboard');
  const progress = useProgress(campaignId);
  const campaigns = useCampaigns();
  const campaign = campaigns.data?.items.find((c) => c.id === campaignId) ?? null;
  const items = useAllItems();
  const locations = useLocations();
  const itemsById = useMemo(() => byId(items.data), [items.data]);
  const locationsById = useMemo(() => byId(locations.data), [locations.data]);

  useEffect(() => {
    if (progress.data) live.rememberProgress(progress.data);
  }, [progress.data, live]);

  return (
    <div className="dashboard-grid">
      <Paper withBorder p="md" component="section" aria-labelledby="dash-progress" style={{ gridColumn: '1 / -1' }}>
        <Title order={2} id="dash-progress" mb="sm">
          {t('progress')}
        </Title>
        <QueryState query={progress}>{(data) => <ProgressTable progress={data} items={itemsById} />}</QueryState>
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="dash-chart">
        <Title order={2} id="dash-chart" mb="sm">
          {t('chart')}
        </Title>
        <Chart campaignId={campaignId} />
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="dash-shipments">
        <Title order={2} id="dash-shipments" mb="sm">
          {t('shipments')}
        </Title>
        <Shipments campaignId={campaignId} locations={locationsById} />
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="dash-feed">
        <Title order={2} id="dash-feed" mb="sm">
          {t('feed')}
        </Title>
        <Feed live={live} campaignId={campaignId} items={itemsById} locations={locationsById} />
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="dash-stock">
        <Title order={2} id="dash-stock" mb="sm">
          {t('stock')}
        </Title>
        <Stock campaignId={campaignId} items={itemsById} locations={locationsById} />
      </Paper>
      {campaign && (
        <Paper withBorder p="md" component="section" aria-labelledby="dash-pledges">
          <Title order={2} id="dash-pledges" mb="sm">
            {t('pledges.title')}
          </Title>
          <PledgesPanel campaign={campaign} items={itemsById} locations={locationsById} />
        </Paper>
      )}
    </div>
  );
}

const ProgressTable = memo(function ProgressTable({
  progress,
  items,
}: {
  progress: CampaignProgressDto;
  items: Map<string, ItemDto>;
}) {
  const { t } = useTranslation('dashboard');
  const name = useItemName();
  if (progress.items.length === 0) return <Text c="dimmed">{t('noTargets')}</Text>;
  // On hand is shown as usable and expired apart; what is still needed counts only usable goods.
  const columns = ['donated', 'usable', 'expired', 'inTransit', 'delivered', 'writtenOff', 'needed'] as const;
  return (
    <div className="dashboard-scroll" tabIndex={0}>
      <Table className="dashboard-big" striped data-testid="progress">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('item')}</Table.Th>
            <Table.Th scope="col" ta="right">
              {t('target')}
            </Table.Th>
            {columns.map((column) => (
              <Table.Th key={column} scope="col" ta="right">
                {t(column)}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {progress.items.map((row) => {
            const item = items.get(row.itemId);
            const share = row.target > 0 ? Math.min(1, row.donated / row.target) : null;
            return (
              <Table.Tr key={row.itemId} data-item={row.itemId}>
                <Table.Th scope="row">
                  {name(item?.name as TranslatedName | undefined)}
                  {share !== null && (
                    <Text size="sm" c="dimmed">
                      {t('percent', { value: formatNumber(share, { style: 'percent' }) })}
                    </Text>
                  )}
                </Table.Th>
                <Table.Td ta="right">{row.target > 0 ? formatNumber(row.target) : '—'}</Table.Td>
                {columns.map((column) => (
                  <Table.Td
                    key={column}
                    ta="right"
                    data-column={column}
                    c={column === 'expired' && row.expired > 0 ? 'red.9' : undefined}
                    fw={column === 'needed' ? 700 : undefined}
                  >
                    {column === 'needed' && row.target === 0 ? '—' : formatNumber(row[column])}
                  </Table.Td>
                ))}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Text size="sm" c="dimmed">
        {t('unitsNote')}
      </Text>
    </div>
  );
});

function Chart({ campaignId }: { campaignId: string }) {
  const data = useDonationsOverTime(campaignId);
  return <QueryState query={data}>{(d) => <DonationsChart data={d} />}</QueryState>;
}

function Shipments({ campaignId, locations }: { campaignId: string; locations: Map<string, LocationDto> }) {
  const { t } = useTranslation('dashboard');
  const shipments = useRoadShipments(campaignId);
  const now = useNow(60_000);
  return (
    <QueryState query={shipments}>
      {(page) => (
        <Stack gap="sm">
          {page.items.length === 0 ? (
            <Text c="dimmed">{t('noShipments')}</Text>
          ) : (
            <ShipmentList shipments={page.items} locations={locations} now={now} />
          )}
          <ShipmentsMap shipments={page.items} locations={locations} now={now} />
        </Stack>
      )}
    </QueryState>
  );
}

const ShipmentList = memo(function ShipmentList({
  shipments,
  locations,
  now,
}: {
  shipments: ShipmentSummaryDto[];
  locations: Map<string, LocationDto>;
  now: number;
}) {
  const { t } = useTranslation('dashboard');
  const localize = useLocalize();
  const sorted = [...shipments].sort(
    (a, b) => (a.lastHeardAt ?? '').localeCompare(b.lastHeardAt ?? '') || a.id.localeCompare(b.id),
  );
  return (
    <div className="dashboard-scroll" tabIndex={0}>
      <Table data-testid="shipments" className="dashboard-big">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('truck')}</Table.Th>
            <Table.Th scope="col">{t('routeColumn')}</Table.Th>
            <Table.Th scope="col">{t('statusColumn')}</Table.Th>
            <Table.Th scope="col">{t('lastHeard')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sorted.slice(0, 60).map((shipment) => {
            const heard = shipment.lastHeardAt ? new Date(shipment.lastHeardAt).getTime() : null;
            const stale = heard === null || now - heard > STALE_MS;
            return (
              <Table.Tr key={shipment.id} data-shipment={shipment.id} data-status={shipment.status}>
                <Table.Td>{shipment.vehicle?.plate ?? shipment.id.slice(-6)}</Table.Td>
                <Table.Td>
                  {t('route', {
                    from: localize(locations.get(shipment.originId)?.name) || '?',
                    to: localize(locations.get(shipment.destinationId)?.name) || '?',
                  })}
                </Table.Td>
                <Table.Td>
                  <Badge size="lg" variant="filled" color={shipment.status === 'at_checkpoint' ? '#8a3c00' : '#1f4e79'}>
                    {t(`status.${shipment.status}`)}
                  </Badge>
                </Table.Td>
                <Table.Td className={stale ? 'dashboard-stale' : undefined} data-stale={stale}>
                  {heard === null ? t('never') : formatRelative(heard, now)}
                  {stale && (
                    <Text component="span" size="sm" display="block">
                      ⚠ {t('stale')}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </div>
  );
});

function Feed({
  live,
  campaignId,
  items,
  locations,
}: {
  live: DashboardLive;
  campaignId: string;
  items: Map<string, ItemDto>;
  locations: Map<string, LocationDto>;
}) {
  const { t } = useTranslation('dashboard');
  useFeedHistory(campaignId, live);
  const all = useFeed(live);
  const feed = useMemo(() => all.filter((entry) => entry.campaignId === campaignId), [all, campaignId]);
  if (feed.length === 0) return <Text c="dimmed">{t('feedEmpty')}</Text>;
  return (
    <ul className="dashboard-feed" data-testid="feed" aria-live="polite">
      {feed.slice(0, 50).map((entry) => (
        <FeedLine key={entry.id} entry={entry} items={items} locations={locations} />
      ))}
    </ul>
  );
}

const FeedLine = memo(function FeedLine({
  entry,
  items,
  locations,
}: {
  entry: FeedEntry;
  items: Map<string, ItemDto>;
  locations: Map<string, LocationDto>;
}) {
  const { t } = useTranslation('dashboard');
  const name = useItemName();
  const localize = useLocalize();
  const units = useUnitLabel();
  const quantity = (itemId: string, count: number) => {
    const item = items.get(itemId);
    return `${name(item?.name)} ${item ? units.quantity(count, item.baseUnit) : formatNumber(count)}`;
  };
  let text: string;
  if (entry.kind === 'donation') {
    text = t('event.donation', {
      what: entry.donation.lines.map((line) => quantity(line.itemId, line.quantity)).join(', '),
      where: localize(locations.get(entry.donation.locationId)?.name) || '?',
    });
  } else if (entry.kind === 'shipment') {
    const key = (['departed', 'at_checkpoint', 'arrived', 'delivered', 'cancelled'] as const).find(
      (k) => k === entry.status,
    );
    const truck = entry.shipment.vehicle?.plate ?? entry.shipment.id.slice(-6);
    text = key ? t(`event.${key}`, { name: truck }) : `${truck}: ${t(`status.${entry.shipment.status}`)}`;
  } else if (entry.kind === 'expiring') {
    const what = quantity(entry.row.itemId, entry.row.onHand);
    const where = localize(locations.get(entry.row.locationId)?.name) || '?';
    text =
      entry.hoursLeft <= 0
        ? t('event.expired', { what, where })
        : t('event.expiring', { what, where, hours: entry.hoursLeft });
  } else {
    text = t('event.writtenOff', { what: quantity(entry.itemId, entry.quantity) });
  }
  return (
    <li
      data-seq={entry.seq}
      data-kind={entry.kind}
      className={entry.kind === 'expiring' ? 'dashboard-feed-alert' : undefined}
    >
      <Text span c="dimmed" mr="xs">
        {formatTime(entry.at)}
      </Text>
      {text}
    </li>
  );
});

function Stock({
  campaignId,
  items,
  locations,
}: {
  campaignId: string;
  items: Map<string, ItemDto>;
  locations: Map<string, LocationDto>;
}) {
  const stock = useCampaignStock(campaignId);
  return (
    <QueryState query={stock}>
      {(page) => (
        <>
          <StockByLocation rows={page.items} items={items} locations={locations} />
          <ShownOf shown={page.items.length} total={page.total} />
        </>
      )}
    </QueryState>
  );
}

const StockByLocation = memo(function StockByLocation({
  rows,
  items,
  locations,
}: {
  rows: StockRowDto[];
  items: Map<string, ItemDto>;
  locations: Map<string, LocationDto>;
}) {
  const localize = useLocalize();
  const { t } = useTranslation('dashboard');
  const now = useNow(5 * 60_000);
  const groups = useMemo(() => {
    const byLocation = new Map<string, StockRowDto[]>();
    for (const row of rows) {
      if (row.onHand <= 0) continue;
      const list = byLocation.get(row.locationId);
      if (list) list.push(row);
      else byLocation.set(row.locationId, [row]);
    }
    return [...byLocation.entries()];
  }, [rows]);
  if (groups.length === 0) return <Text c="dimmed">{t('noStock')}</Text>;
  return (
    <Stack gap="md" data-testid="stock">
      {groups.map(([locationId, lots]) => (
        <LocationStock
          key={locationId}
          name={localize(locations.get(locationId)?.name) || '?'}
          lots={lots}
          items={items}
          now={now}
        />
      ))}
    </Stack>
  );
});

interface LocationStockProps {
  name: string;
  lots: StockRowDto[];
  items: Map<string, ItemDto>;
  now: number;
}

/** One location's lots; skipped when a live event changed none of them (same row objects). */
const LocationStock = memo(
  function LocationStock({ name, lots, items, now }: LocationStockProps) {
    const { t } = useTranslation('dashboard');
    return (
      <div className="dashboard-scroll" tabIndex={0}>
        <Title order={3} size="h4">
          {name}{' '}
          <Text span c="dimmed" size="sm">
            ({t('lots', { count: lots.length })})
          </Text>
        </Title>
        <Table>
          <Table.Tbody>
            {lots.slice(0, 12).map((lot) => (
              <StockLot key={lot.lotId} lot={lot} item={items.get(lot.itemId)} now={now} />
            ))}
          </Table.Tbody>
        </Table>
      </div>
    );
  },
  (a: LocationStockProps, b: LocationStockProps) =>
    a.name === b.name &&
    a.items === b.items &&
    a.now === b.now &&
    a.lots.length === b.lots.length &&
    a.lots.every((lot, i) => lot === b.lots[i]),
);

/** One lot's line; a live event re-renders only the lines whose row changed. */
const StockLot = memo(function StockLot({
  lot,
  item,
  now,
}: {
  lot: StockRowDto;
  item: ItemDto | undefined;
  now: number;
}) {
  const { t } = useTranslation('dashboard');
  const name = useItemName();
  const units = useUnitLabel();
  const left = lot.expiresAt ? new Date(lot.expiresAt).getTime() - now : Infinity;
  const flag =
    lot.expired || left <= 0
      ? 'expired'
      : left <= 24 * HOUR_MS
        ? 'expires24'
        : left <= 48 * HOUR_MS
          ? 'expires48'
          : null;
  return (
    <Table.Tr className={flag === 'expires48' ? 'lot-48' : flag ? 'lot-24' : undefined} data-expiry={flag ?? 'ok'}>
      <Table.Td>{name(item?.name)}</Table.Td>
      <Table.Td ta="right">{item ? units.quantity(lot.onHand, item.baseUnit) : formatNumber(lot.onHand)}</Table.Td>
      <Table.Td>
        {lot.expiresAt ? formatRelative(lot.expiresAt, now) : '—'}
        {flag && (
          <Badge ml="xs" color={flag === 'expires48' ? '#fcc419' : '#a61b1b'} variant="filled" autoContrast>
            {t(flag)}
          </Badge>
        )}
      </Table.Td>
    </Table.Tr>
  );
});
