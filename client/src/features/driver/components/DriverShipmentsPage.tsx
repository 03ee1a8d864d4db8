import { Badge, Card, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ShipmentDto, ShipmentStatus } from '../../../lib/contracts';
import { formatDateTime, formatRelative, useFormatLanguage } from '../../../lib/format';
import { useCurrentUser } from '../../../lib/current-user';
import { useDeviceRegistration } from '../../../lib/device-registration';
import { useOutbox } from '../../../lib/outbox';
import { useRooms } from '../../../lib/realtime/RealtimeProvider';
import { useNow } from '../../../lib/use-now';
import { OutboxList } from '../../../ui/OutboxList';
import { RelayShowButton } from '../../relay';
import { QueryState } from '../../../ui/QueryState';
import { effectiveStatus, useMyShipments, waitingUpdates } from '../api/driver.api';
import { useShipmentNames } from './names';
import { IncomingHandovers } from '../../handovers';

const ORDER: ShipmentStatus[] = [
  'at_checkpoint',
  'departed',
  'arrived',
  'loading',
  'planned',
  'delivered',
  'cancelled',
];

/** Status colours dark enough for white text (or light enough for black: at a checkpoint). */
export const STATUS_COLOR: Record<ShipmentStatus, string> = {
  planned: 'gray.7',
  loading: 'violet.8',
  departed: 'blue.8',
  at_checkpoint: 'yellow.4',
  arrived: 'teal.9',
  delivered: '#1e6b34',
  cancelled: 'red.9',
};

/** `/driver`: the shipments assigned to me, the ones on the road first. */
export function DriverShipmentsPage() {
  const { t } = useTranslation();
  useFormatLanguage();
  const now = useNow(60_000);
  const shipments = useMyShipments();
  const { entries } = useOutbox();
  const names = useShipmentNames();
  // This phone's device key signs the updates it queues (chain of custody): registered once online.
  useDeviceRegistration(useCurrentUser().user.id);
  // Changes made by coordinators (a cancellation, a new route) reach the list as they happen.
  useRooms(
    (shipments.data?.items ?? [])
      .filter((shipment) => shipment.status !== 'delivered' && shipment.status !== 'cancelled')
      .map((shipment) => `shipment:${shipment.id}`),
  );

  const sorted = (list: ShipmentDto[]) =>
    [...list].sort(
      (a, b) =>
        ORDER.indexOf(effectiveStatus(a, waitingUpdates(entries, a.id))) -
          ORDER.indexOf(effectiveStatus(b, waitingUpdates(entries, b.id))) ||
        (a.plannedDepartureAt ?? '').localeCompare(b.plannedDepartureAt ?? ''),
    );

  return (
    <Stack gap="md" data-testid="driver-shipments" className="driver">
      <Title order={1} size="h2">
        {t('driver.title')}
      </Title>
      <OutboxList filter={(entry) => entry.meta.kind.startsWith('shipment')} describe={names.entry} />
      <RelayShowButton />
      <IncomingHandovers />
      <QueryState query={shipments}>
        {(page) =>
          page.items.length === 0 ? (
            <Text size="lg">{t('driver.none')}</Text>
          ) : (
            <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
              {sorted(page.items).map((shipment) => {
                const waiting = waitingUpdates(entries, shipment.id);
                const status = effectiveStatus(shipment, waiting);
                return (
                  <li key={shipment.id}>
                    <Card
                      component={Link}
                      to={`/driver/${shipment.id}`}
                      withBorder
                      padding="lg"
                      className="shipment-card"
                      data-testid="shipment-card"
                    >
                      <Badge color={STATUS_COLOR[status]} size="lg" variant="filled" tt="none" mb={4} autoContrast>
                        {names.status(status)}
                      </Badge>
                      <Text fw={700} size="lg">
                        {names.place(shipment, shipment.originId)} → {names.place(shipment, shipment.destinationId)}
                      </Text>
                      {shipment.vehicle && (
                        <Text>
                          {shipment.vehicle.kind} · {shipment.vehicle.plate}
                        </Text>
                      )}
                      {shipment.plannedDepartureAt && (
                        <Text c="dimmed">
                          {t('driver.planned', { time: formatDateTime(shipment.plannedDepartureAt) })}
                        </Text>
                      )}
                      {shipment.lastHeardAt && (
                        <Text c="dimmed">
                          {t('driver.lastHeard', { when: formatRelative(shipment.lastHeardAt, now) })}
                        </Text>
                      )}
                      {waiting.length > 0 && (
                        <Text c="var(--karavan-warn-text)" fw={600}>
                          {t('driver.waitingCount', { count: waiting.length })}
                        </Text>
                      )}
                    </Card>
                  </li>
                );
              })}
            </Stack>
          )
        }
      </QueryState>
    </Stack>
  );
}
