import { lazy, Suspense, useState } from 'react';
import { Button, Loader, Modal } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useOutbox } from '../../../lib/outbox';

// The codes' drawing and the camera load when the view opens, not with the driver's page.
const RelayView = lazy(() => import('./RelayView'));

/**
 * "Hand my updates over by QR" (issue 21), on the driver's screens while status updates wait:
 * a full screen showing them, signed by the phone's device key, as a sequence of QR codes for a
 * colleague with signal to scan and relay; then the colleague's answer code can be scanned back.
 */
export function RelayShowButton() {
  const { t } = useTranslation();
  const { entries } = useOutbox();
  const [open, setOpen] = useState(false);
  const waiting = entries.some((entry) => entry.meta.kind === 'shipmentUpdate' && !entry.needsAttention);
  if (!waiting && !open) return null;
  return (
    <>
      <Button size="xl" fullWidth variant="outline" onClick={() => setOpen(true)} data-testid="relay-show">
        {t('relay.show')}
      </Button>
      <Modal
        opened={open}
        onClose={() => setOpen(false)}
        fullScreen
        title={t('relay.showTitle')}
        closeButtonProps={{ 'aria-label': t('relay.close') }}
      >
        {open && (
          <Suspense fallback={<Loader size="sm" />}>
            <RelayView entries={entries} />
          </Suspense>
        )}
      </Modal>
    </>
  );
}
