import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { Page } from '@karavan/shared';
import { request } from '../../../lib/api';
import { byId, useItemName, useLocalize } from '../../../lib/catalogue';
import type { ItemDto, LocationDto, ShipmentDto, ShipmentLineDto, ShipmentStatus } from '../../../lib/contracts';
import type { ShipmentUpdateDto } from '@karavan/shared';
import { useCan } from '../../../lib/current-user';
import { historyRecordKey } from '../../../lib/history-words';
import type { OutboxEntry } from '../../../lib/outbox';
import { queryKeys } from '../../../lib/realtime/cache';
import { useUnitLabel } from '../../../lib/units';

/**
 * Names of places and items on a shipment: embedded by the server where it does (a driver may
 * not read the catalogue), else from the catalogue for those who may.
 */
export function useShipmentNames() {
  const { t } = useTranslation();
  const canRead = useCan('catalogue:read');
  const locations = useQuery({
    queryKey: queryKeys.locations(),
    queryFn: () => request<Page<LocationDto>>('GET', '/api/locations?limit=200'),
    enabled: canRead,
    staleTime: 5 * 60_000,
  });
  const items = useQuery({
    queryKey: queryKeys.items(''),
    queryFn: () => request<Page<ItemDto>>('GET', '/api/items?limit=200&active=true'),
    enabled: canRead,
    staleTime: 5 * 60_000,
  });
  const places = byId(locations.data);
  const catalogue = byId(items.data);
  const itemName = useItemName();
  const localize = useLocalize();
  const units = useUnitLabel();

  const place = (shipment: ShipmentDto, id: string | null | undefined): string => {
    if (!id) return '—';
    const embedded = [shipment.origin, shipment.destination, ...(shipment.places ?? [])].find(
      (candidate) => candidate?.id === id,
    );
    return localize(embedded?.name ?? places.get(id)?.name) || t('driver.place', { id: id.slice(-6) });
  };
  const line = (entry: ShipmentLineDto, quantity = entry.quantity): string => {
    const item = entry.item ?? catalogue.get(entry.itemId);
    return `${itemName(item?.name)} — ${units.quantity(quantity, item?.baseUnit ?? 'piece')}`;
  };
  const itemLabel = (entry: ShipmentLineDto): string => itemName((entry.item ?? catalogue.get(entry.itemId))?.name);
  const status = (value: ShipmentStatus): string => t(`shipmentStatus.${value}`);
  /** What a waiting outbox entry of a shipment is, in words. */
  const entry = (waiting: OutboxEntry): string => {
    switch (waiting.meta.kind) {
      case 'shipmentDocument':
        return t('driver.entry.document', { document: String(waiting.meta.key) });
      case 'shipmentPrivacy':
        return t(waiting.meta.privacyMode ? 'driver.entry.privacyOn' : 'driver.entry.privacyOff');
      case 'shipmentHandover':
        return t('handovers.outboxHandover');
      case 'shipmentHandoverConfirm':
        return t('handovers.outboxConfirm');
      case 'shipmentHandoverCancel':
        return t('handovers.outboxCancel');
      default:
        return status(waiting.meta.status as ShipmentStatus);
    }
  };
  /** A history record in words: its status, or what a hand-over or receipt record is. */
  const update = (record: Pick<ShipmentUpdateDto, 'id' | 'status' | 'kind'>): string => t(historyRecordKey(record));
  return { place, line, itemLabel, status, entry, update };
}
