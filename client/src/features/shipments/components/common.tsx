import '@mantine/core/styles/Table.css';
import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ShipmentStatus } from '@karavan/shared';

const COLOURS: Record<ShipmentStatus, string> = {
  planned: 'gray.8',
  loading: 'blue.9',
  departed: 'indigo.9',
  at_checkpoint: '#8a3a00',
  arrived: 'teal.9',
  delivered: '#1b5e20',
  cancelled: 'red.9',
};

export function StatusBadge({ status }: { status: ShipmentStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLOURS[status]} variant="filled" autoContrast data-testid="shipment-status">
      {t(`shipmentStatus.${status}`)}
    </Badge>
  );
}
