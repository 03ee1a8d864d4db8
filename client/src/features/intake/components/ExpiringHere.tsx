import { Alert, List, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Page, StockRowDto } from '@karavan/shared';
import { request } from '../../../lib/api';
import { byId, useAllItems, useItemName } from '../../../lib/catalogue';
import { formatRelative } from '../../../lib/format';
import { queryKeys } from '../../../lib/realtime/cache';
import { useUnitLabel } from '../../../lib/units';
import { useNow } from '../../../lib/use-now';

const HOUR_MS = 3_600_000;

/**
 * The point's goods with 48 h or less left, and those already expired (to write off): kept live,
 * since every `stock.changed` and `stock.expiring` alert of the point reloads the stock queries.
 */
export function ExpiringHere({ locationId }: { locationId: string }) {
  const { t } = useTranslation();
  const now = useNow(5 * 60_000);
  const items = byId(useAllItems().data);
  const itemName = useItemName();
  const units = useUnitLabel();
  const rows = useQuery({
    queryKey: [...queryKeys.stock(), 'expiring', locationId],
    queryFn: () =>
      request<Page<StockRowDto>>(
        'GET',
        `/api/stock?${new URLSearchParams({ locationId, expiringWithinHours: '48', limit: '50' }).toString()}`,
      ),
  });
  const list = (rows.data?.items ?? []).filter((row) => row.onHand > 0);
  if (list.length === 0) return null;
  const expired = list.filter((row) => row.expired || new Date(row.expiresAt!).getTime() <= now);
  return (
    <Alert
      color={expired.length > 0 ? 'red.9' : 'yellow'}
      variant="light"
      title={t('intake.expiringTitle')}
      data-testid="intake-expiring"
    >
      <List size="sm" spacing={2}>
        {list.map((row) => {
          const item = items.get(row.itemId);
          const left = new Date(row.expiresAt!).getTime() - now;
          const what = `${itemName(item?.name)} — ${units.quantity(row.onHand, item?.baseUnit ?? 'piece')}`;
          return (
            <List.Item key={row.lotId} data-lot={row.lotId} data-expired={left <= 0 || row.expired}>
              {left <= 0 || row.expired ? (
                <Text span fw={700} c="red.9" size="sm">
                  {t('intake.expiredLot', { what })}
                </Text>
              ) : (
                t(left <= 24 * HOUR_MS ? 'intake.expiring24' : 'intake.expiring48', {
                  what,
                  when: formatRelative(row.expiresAt!, now),
                })
              )}
            </List.Item>
          );
        })}
      </List>
    </Alert>
  );
}
