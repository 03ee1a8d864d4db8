import { lazy, Suspense, useEffect, useState } from 'react';
import { Button, Loader } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { refreshKey } from '../keys';

// The camera and the QR reader load when the button is pressed, not with the page.
const LabelScanner = lazy(() => import('./LabelScanner'));

/**
 * "Scan a label": opens the camera on the screen where goods are loaded or received. Showing it
 * keeps the deployment's key on the phone, so that labels check later with no network.
 */
export function ScanLabelButton() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (navigator.onLine) void refreshKey();
  }, []);
  return (
    <>
      <Button
        size="xl"
        fullWidth
        variant="outline"
        aria-expanded={open}
        onClick={() => setOpen((current) => !current)}
        data-testid="scan-label"
      >
        {t('labels.scan')}
      </Button>
      {open && (
        <Suspense fallback={<Loader size="sm" />}>
          <LabelScanner onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
