import { Switch, Table, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { CampaignDto, ItemDto, LocationDto, PledgeTotalsDto } from '@karavan/shared';
import { request } from '../../../lib/api';
import { useCan } from '../../../lib/current-user';
import { useItemName, useLocalize } from '../../../lib/catalogue';
import { formatNumber } from '../../../lib/format';
import { invalidateEntity } from '../../../lib/writes';

/**
 * Pledged against fulfilled per item and point, and the organisers' "enough, stop bringing it"
 * switch per item (the public board shows it first).
 */
export function PledgesPanel({
  campaign,
  items,
  locations,
}: {
  campaign: CampaignDto;
  items: Map<string, ItemDto>;
  locations: Map<string, LocationDto>;
}) {
  const { t } = useTranslation('dashboard');
  const name = useItemName();
  const localize = useLocalize();
  const canManage = useCan('campaigns:manage');
  const queryClient = useQueryClient();
  const totals = useQuery({
    queryKey: ['pledge-totals', campaign.id],
    queryFn: () => request<PledgeTotalsDto>('GET', `/api/campaigns/${campaign.id}/pledges/totals`),
    refetchInterval: 60_000,
  });
  const setEnough = async (itemId: string, enough: boolean) => {
    await request('PATCH', `/api/campaigns/${campaign.id}/needs/${itemId}`, { enough });
    await invalidateEntity(queryClient, 'campaigns');
  };
  const rows = totals.data?.rows ?? [];
  return (
    <>
      <Table striped withTableBorder data-testid="enough-switches" mb="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('pledges.item')}</Table.Th>
            <Table.Th>{t('pledges.enough')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {campaign.targets.map((target) => {
            const item = items.get(target.itemId);
            const label = item ? name(item.name) : target.itemId;
            return (
              <Table.Tr key={target.itemId}>
                <Table.Td>{label}</Table.Td>
                <Table.Td>
                  <Switch
                    checked={campaign.enoughItemIds.includes(target.itemId)}
                    disabled={!canManage}
                    onChange={(e) => void setEnough(target.itemId, e.currentTarget.checked)}
                    aria-label={`${t('pledges.enough')}: ${label}`}
                  />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {rows.length === 0 ? (
        <Text c="dimmed">{totals.isPending ? '…' : t('pledges.none')}</Text>
      ) : (
        <Table striped withTableBorder data-testid="pledge-totals">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('pledges.item')}</Table.Th>
              <Table.Th>{t('pledges.point')}</Table.Th>
              <Table.Th>{t('pledges.pledged')}</Table.Th>
              <Table.Th>{t('pledges.fulfilled')}</Table.Th>
              <Table.Th>{t('pledges.open')}</Table.Th>
              <Table.Th>{t('pledges.lapsed')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => {
              const item = items.get(row.itemId);
              const point = locations.get(row.locationId);
              return (
                <Table.Tr key={`${row.itemId}:${row.locationId}`}>
                  <Table.Td>{item ? name(item.name) : row.itemId}</Table.Td>
                  <Table.Td>{point ? localize(point.name) : row.locationId}</Table.Td>
                  <Table.Td>{formatNumber(row.pledged)}</Table.Td>
                  <Table.Td>{formatNumber(row.fulfilled)}</Table.Td>
                  <Table.Td>{formatNumber(row.open)}</Table.Td>
                  <Table.Td>{formatNumber(row.lapsed)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
