import { lazy, Suspense, useEffect } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { PublicCampaignDto } from '@karavan/shared';
import { LanguageSwitcher } from '../../../components/LanguageSwitcher';
import { formatDate, formatDateTime, formatNumber } from '../../../lib/format';
import { ApiRequestError, send } from '../../../lib/http';
import { useItemName } from '../../../lib/catalogue';
import { useUnitLabel } from '../../../lib/units';
import './needs.css';

const PointsMap = lazy(() => import('./PointsMap'));

/** The public needs page: what is still needed and where to bring it. No sign-in, no personal data. */
export function NeedsPage() {
  const { campaignId = '' } = useParams();
  const { t } = useTranslation('needs');
  const { t: tApp } = useTranslation();
  const query = useQuery({
    queryKey: ['public-campaign', campaignId],
    queryFn: () => send<PublicCampaignDto>('GET', `/api/public/campaigns/${encodeURIComponent(campaignId)}`),
    refetchInterval: 60_000,
    retry: (failures, error) => failures < 2 && !(error instanceof ApiRequestError && error.status === 404),
  });

  return (
    <div className="needs">
      <header className="needs-top">
        <Link to="/" className="needs-brand">
          {tApp('app.title')}
        </Link>
        <LanguageSwitcher />
      </header>
      <main className="needs-main">
        {query.data ? (
          <Needs campaign={query.data} />
        ) : query.error ? (
          <div role="alert" className="needs-alert">
            {query.error instanceof ApiRequestError && query.error.status === 404
              ? t('notFound')
              : tApp('common.loadFailed')}
            {!(query.error instanceof ApiRequestError && query.error.status === 404) && (
              <button type="button" className="needs-button" onClick={() => void query.refetch()}>
                {tApp('common.retry')}
              </button>
            )}
          </div>
        ) : (
          <p role="status" className="needs-loading">
            …
          </p>
        )}
      </main>
    </div>
  );
}

function Needs({ campaign }: { campaign: PublicCampaignDto }) {
  const { t, i18n } = useTranslation('needs');
  // The shared link's title names the campaign; keep it so after the app starts (and languages change).
  useEffect(() => {
    document.title = `${campaign.name} — ${t('title')}`;
  }, [campaign.name, t, i18n.language]);
  const name = useItemName();
  const units = useUnitLabel();
  const withPosition = campaign.collectionPoints.filter((point) => point.position);
  // What is needed now comes first (the biggest need on top): on a phone it is the first screen.
  const needs = [...campaign.needs].sort((x, y) => Number(y.needed > 0) - Number(x.needed > 0) || y.needed - x.needed);
  return (
    <>
      <h1>{campaign.name}</h1>
      {campaign.status === 'closed' && <p className="needs-alert">{t('closed')}</p>}
      <section aria-labelledby="needs-title">
        <h2 id="needs-title">{t('title')}</h2>
        <ul className="needs-list" data-testid="needs">
          {needs.map((need) => {
            // Covered: delivered, on the road, or ready to send (expired goods do not count).
            const share = need.target > 0 ? Math.min(1, (need.target - need.needed) / need.target) : 1;
            return (
              <li key={need.itemId} data-item={need.itemId} data-needed={need.needed}>
                <div className="needs-item">
                  <strong>{name(need.name)}</strong>
                  <span className={need.needed > 0 ? 'needs-needed' : 'needs-done'}>
                    {need.needed > 0
                      ? `${t('needed')}: ${units.quantity(need.needed, need.baseUnit)}`
                      : t('allCollected')}
                  </span>
                </div>
                <div
                  className="needs-bar"
                  role="progressbar"
                  aria-label={name(need.name)}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round(share * 100)}
                >
                  <div style={{ width: `${share * 100}%` }} />
                </div>
                <div className="needs-figures">
                  <span>
                    {t('usable')}: {formatNumber(need.usable)}
                  </span>
                  <span>
                    {t('inTransit')}: {formatNumber(need.inTransit)}
                  </span>
                  <span>
                    {t('delivered')}: {formatNumber(need.delivered)} / {formatNumber(need.target)}
                  </span>
                </div>
              </li>
            );
          })}
        </ul>
      </section>
      {campaign.description && <p className="needs-description">{campaign.description}</p>}
      {(campaign.startsAt || campaign.endsAt) && (
        <p>
          {t('period', {
            from: campaign.startsAt ? formatDate(campaign.startsAt) : '…',
            to: campaign.endsAt ? formatDate(campaign.endsAt) : '…',
          })}
        </p>
      )}
      <section aria-labelledby="needs-where">
        <h2 id="needs-where">{t('where')}</h2>
        {campaign.collectionPoints.length === 0 ? (
          <p>{t('noPoints')}</p>
        ) : (
          <ul className="needs-points">
            {campaign.collectionPoints.map((point) => (
              <li key={point.id}>
                <strong>{point.name}</strong>
                {point.address && <div>{point.address}</div>}
                <div>
                  {t('hours')}: {point.openingHours ?? t('hoursUnknown')}
                </div>
              </li>
            ))}
          </ul>
        )}
        {withPosition.length > 0 && (
          <Suspense fallback={null}>
            <PointsMap points={withPosition} />
          </Suspense>
        )}
      </section>
      <p className="needs-asof">{t('asOf', { time: formatDateTime(campaign.asOf) })}</p>
    </>
  );
}
