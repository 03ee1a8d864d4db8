import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { uuid } from '../../../lib/uuid';
import { planShipment } from '../api/shipments.api';
import { ShipmentForm } from './ShipmentForm';

/** `/shipments/new`: plan a shipment (nothing is reserved until it is loaded). */
export function PlanShipmentPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  // One key per planned shipment: a retried click counts once.
  const [key, setKey] = useState(uuid);
  return (
    <ShipmentForm
      title={t('shipments.planTitle')}
      submitLabel={t('shipments.planSubmit')}
      onSubmit={async (result) => {
        if (result.mode !== 'create') return;
        const shipment = await planShipment(result.body, key);
        setKey(uuid());
        void navigate(`/shipments/${shipment.id}`);
      }}
    />
  );
}
