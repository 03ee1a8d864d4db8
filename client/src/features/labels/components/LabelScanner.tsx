import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { labelTarget } from '../keys';
import QrScanner from './QrScanner';

/**
 * The camera, read for a label's QR code: a label of this deployment opens its page (in the
 * app, offline too); anything else is said not to be one, and the camera keeps looking.
 */
export default function LabelScanner({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const onText = useCallback(
    async (text: string) => {
      const target = await labelTarget(text);
      if (!target) return 'foreign' as const;
      void navigate(target);
      return 'done' as const;
    },
    [navigate],
  );
  return (
    <QrScanner
      title={t('labels.scanTitle')}
      onText={onText}
      foreignMessage={t('labels.notKaravan')}
      onClose={onClose}
      testId="label-scanner"
    />
  );
}
