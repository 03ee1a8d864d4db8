import { useTranslation } from 'react-i18next';
import type { LiveStatus as Status } from '../../../lib/socket';

export function LiveStatus({ status }: { status: Status }) {
  const { t } = useTranslation();
  return (
    <p className={`live live-${status}`} role="status" data-testid="live-status" data-state={status}>
      <span className="live-dot" aria-hidden="true" />
      {t('live.label')}: {t(`live.${status}`)}
    </p>
  );
}
