import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { planShipment } from '../api/shipments.api';
import { ShipmentForm } from './ShipmentForm';

/** `/shipments/new`: plan a shipment (nothing is reserved until it is loaded). */
export function PlanShipmentPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <ShipmentForm
      title={t('shipments.planTitle')}
      submitLabel={t('shipments.planSubmit')}
      // The form's one key per planned shipment: a retried click counts once.
      onSubmit={async (result, key) => {
        if (result.mode !== 'create') return;
        const shipment = await planShipment(result.body, key);
        void navigate(`/shipments/${shipment.id}`);
      }}
    />
  );
}
