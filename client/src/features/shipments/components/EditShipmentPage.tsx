import { useState } from 'react';
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import type { ShipmentDto } from '@karavan/shared';
import { queryKeys } from '../../../lib/realtime/cache';
import { useRoom } from '../../../lib/realtime/RealtimeProvider';
import { QueryState } from '../../../ui/QueryState';
import { updateShipment, useShipmentDetail } from '../api/shipments.api';
import { ShipmentForm } from './ShipmentForm';

/** `/shipments/:id/edit`: change the plan of a shipment that has not left yet. */
export function EditShipmentPage() {
  const { shipmentId = '' } = useParams();
  const query = useShipmentDetail(shipmentId);
  useRoom(shipmentId ? `shipment:${shipmentId}` : null);
  return <QueryState query={query}>{(shipment) => <Edit shipment={shipment} />}</QueryState>;
}

function Edit({ shipment }: { shipment: ShipmentDto }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [base, setBase] = useState(shipment);
  if (shipment.status !== 'planned' && shipment.status !== 'loading') {
    return (
      <Stack>
        <Alert color="orange.9" variant="light" role="alert" data-testid="edit-closed">
          {t('shipments.edit.closed', { status: t(`shipmentStatus.${shipment.status}`) })}
        </Alert>
        <Button component={Link} to={`/shipments/${shipment.id}`} variant="default" w="fit-content">
          {t('wb.back')}
        </Button>
      </Stack>
    );
  }
  return (
    <Stack gap="md">
      {shipment.updatedAt !== base.updatedAt && (
        <Alert color="orange.9" variant="light" role="status" data-testid="edit-changed">
          <Group justify="space-between" wrap="wrap">
            <Text size="sm">{t('shipments.edit.changedMeanwhile')}</Text>
            <Button variant="default" size="xs" onClick={() => setBase(shipment)}>
              {t('shipments.edit.startAgain')}
            </Button>
          </Group>
        </Alert>
      )}
      <ShipmentForm
        // The form starts from `base`; a change made elsewhere meanwhile is announced above and
        // taken in only when asked (nothing typed is lost). Only changed fields are sent.
        key={base.updatedAt}
        shipment={base}
        title={t('shipments.edit.title')}
        submitLabel={t('shipments.edit.submit')}
        onSubmit={async (result) => {
          if (result.mode !== 'edit') return;
          if (Object.keys(result.body).length > 0) {
            const updated = await updateShipment(shipment.id, result.body);
            // Shown at once; the form refreshes the shipments' queries (lib/writes).
            queryClient.setQueryData(queryKeys.shipment(shipment.id), updated);
          }
          void navigate(`/shipments/${shipment.id}`);
        }}
      />
    </Stack>
  );
}
