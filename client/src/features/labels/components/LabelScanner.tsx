import { useCallback, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { labelTarget } from '../keys';
import QrScanner from './QrScanner';

/**
 * The camera, read for a label's QR code: a label of this deployment opens its page (in the
 * app, offline too); anything else is said not to be one, and the camera keeps looking. With
 * `onScan` (scanning crate after crate, e.g. to check a loading), every code read is handed to
 * it instead, once until another code is read, and the camera keeps looking until closed.
 */
export default function LabelScanner({ onClose, onScan }: { onClose: () => void; onScan?: (text: string) => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const last = useRef<string | null>(null);
  const onText = useCallback(
    async (text: string) => {
      if (onScan) {
        if (text !== last.current) onScan(text);
        last.current = text;
        return 'more' as const;
      }
      const target = await labelTarget(text);
      if (!target) return 'foreign' as const;
      void navigate(target);
      return 'done' as const;
    },
    [navigate, onScan],
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
