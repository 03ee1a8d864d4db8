import { useState } from 'react';
import { Button, Group, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { SHIPMENT_STATUSES, type ShipmentStatus } from '@karavan/shared';
import { byId, useCampaigns, useItemName, useLocalize, useLocations, useAllItems } from '../../../lib/catalogue';
import { useCan } from '../../../lib/current-user';
import { formatDateTime, formatRelative, useFormatLanguage } from '../../../lib/format';
import { useUnitLabel } from '../../../lib/units';
import { Pager } from '../../../ui/Pager';
import { QueryState } from '../../../ui/QueryState';
import { usePagedList } from '../../../ui/usePagedList';
import { useDriverChoices, useShipmentList, type ShipmentFilters } from '../api/shipments.api';
import { StatusBadge } from './common';

/** `/shipments`: every shipment, filtered by status, campaign and driver, newest plans first. */
export function ShipmentsPage() {
  const { t } = useTranslation();
  useFormatLanguage();
  const navigate = useNavigate();
  const canManage = useCan('shipments:manage');
  const [filters, setFilters] = useState<ShipmentFilters>({ status: null, campaignId: null, driverId: null });
  const paging = usePagedList(filters);
  const list = useShipmentList(filters, paging);
  const campaigns = useCampaigns();
  const locations = useLocations();
  const items = useAllItems();
  const drivers = useDriverChoices();
  const places = byId(locations.data);
  const itemsById = byId(items.data);
  const itemName = useItemName();
  const localize = useLocalize();
  const units = useUnitLabel();
  const driverNames = new Map((drivers.data ?? []).map((driver) => [driver.id, driver.name]));
  const campaignNames = byId(campaigns.data);

  const set = (patch: Partial<ShipmentFilters>) => {
    setFilters((current) => ({ ...current, ...patch }));
  };

  return (
    <Stack gap="lg" data-testid="shipments">
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('shipments.title')}
        </Title>
        {canManage && (
          <Button component={Link} to="/shipments/new" data-testid="plan-shipment">
            {t('shipments.plan')}
          </Button>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }} component="section" aria-label={t('wb.filters')}>
        <Select
          label={t('shipments.status')}
          placeholder={t('wb.all')}
          clearable
          data={SHIPMENT_STATUSES.map((status) => ({ value: status, label: t(`shipmentStatus.${status}`) }))}
          value={filters.status}
          onChange={(value) => set({ status: value as ShipmentStatus | null })}
        />
        <Select
          label={t('shipments.campaign')}
          placeholder={t('wb.all')}
          clearable
          searchable
          data={(campaigns.data?.items ?? []).map((campaign) => ({
            value: campaign.id,
            label: localize(campaign.name),
          }))}
          value={filters.campaignId}
          onChange={(value) => set({ campaignId: value })}
        />
        <Select
          label={t('shipments.driver')}
          placeholder={t('wb.all')}
          clearable
          searchable
          data={(drivers.data ?? []).map((driver) => ({ value: driver.id, label: driver.name }))}
          value={filters.driverId}
          onChange={(value) => set({ driverId: value })}
        />
      </SimpleGrid>
      <QueryState query={list}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed" data-testid="shipments-empty">
              {t('shipments.none')}
            </Text>
          ) : (
            <Stack gap="sm">
              <Table.ScrollContainer minWidth={720}>
                <Table striped highlightOnHover verticalSpacing="sm" data-testid="shipments-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('shipments.route')}</Table.Th>
                      <Table.Th>{t('shipments.status')}</Table.Th>
                      <Table.Th>{t('shipments.goods')}</Table.Th>
                      <Table.Th>{t('shipments.driver')}</Table.Th>
                      <Table.Th>{t('shipments.departure')}</Table.Th>
                      <Table.Th>{t('shipments.lastHeard')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {page.items.map((shipment) => (
                      <Table.Tr
                        key={shipment.id}
                        data-testid="shipment-row"
                        style={{ cursor: 'pointer' }}
                        onClick={() => void navigate(`/shipments/${shipment.id}`)}
                      >
                        <Table.Td>
                          <Link to={`/shipments/${shipment.id}`}>
                            {localize(places.get(shipment.originId)?.name) || '?'} →{' '}
                            {localize(places.get(shipment.destinationId)?.name) || '?'}
                          </Link>
                          <Text size="xs" c="dimmed">
                            {localize(campaignNames.get(shipment.campaignId)?.name)}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={shipment.status} />
                          {shipment.warnings.length > 0 && (
                            <Text size="xs" c="orange.9">
                              {t('shipments.warningsCount', { count: shipment.warnings.length })}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {shipment.lines
                            .map((line) => {
                              const item = itemsById.get(line.itemId);
                              return `${itemName(item?.name)} ${item ? units.quantity(line.quantity, item.baseUnit) : line.quantity}`;
                            })
                            .join(', ')}
                        </Table.Td>
                        <Table.Td>
                          {shipment.driverId ? (driverNames.get(shipment.driverId) ?? t('shipments.assigned')) : '—'}
                          {shipment.vehicle && (
                            <Text size="xs" c="dimmed">
                              {shipment.vehicle.kind} {shipment.vehicle.plate}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {shipment.departedAt
                            ? formatDateTime(shipment.departedAt)
                            : shipment.plannedDepartureAt
                              ? `${t('shipments.planned')} ${formatDateTime(shipment.plannedDepartureAt)}`
                              : '—'}
                        </Table.Td>
                        <Table.Td>{shipment.lastHeardAt ? formatRelative(shipment.lastHeardAt) : '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Pager page={page} onOffset={paging.setOffset} />
            </Stack>
          )
        }
      </QueryState>
    </Stack>
  );
}
