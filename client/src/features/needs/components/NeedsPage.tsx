import '@mantine/core/styles/Progress.css';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { Alert, Anchor, Box, Button, Group, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { formatDayHours, hoursToday, type PublicCampaignDto, type PublicCollectionPointDto } from '@karavan/shared';
import { LanguageSwitcher } from '../../../components/LanguageSwitcher';
import { formatDate, formatDateTime, formatNumber, formatRelative } from '../../../lib/format';
import { useNow } from '../../../lib/use-now';
import { PledgeForm } from './PledgeForm';
import { ApiRequestError, send } from '../../../lib/http';
import { useItemName, useLocalize } from '../../../lib/catalogue';
import { useUnitLabel } from '../../../lib/units';
import './needs.css';

const PointsMap = lazy(() => import('./PointsMap'));

/**
 * The board the server put in the page's HTML (`#board-data`, needs-page.ts), if it is this
 * campaign's: shown at once, without asking for it again (a round trip on 3G). Used once: after
 * that the page asks the server as usual.
 */
function takeEmbeddedBoard(campaignId: string): PublicCampaignDto | undefined {
  const element = document.getElementById('board-data');
  if (!element) return undefined;
  element.remove();
  try {
    const board = JSON.parse(element.textContent ?? '') as PublicCampaignDto;
    return board.id === campaignId ? board : undefined;
  } catch {
    return undefined;
  }
}

/** The public needs page: what is still needed and where to bring it. No sign-in, no personal data. */
export function NeedsPage() {
  const { campaignId = '' } = useParams();
  const { t } = useTranslation('needs');
  const { t: tApp } = useTranslation();
  const query = useQuery({
    queryKey: ['public-campaign', campaignId],
    // Every minute, and when the donor comes back to the page: revalidated with the ETag, so an
    // unchanged board is a 304 (the server computes a board at most once per PUBLIC_CACHE_SECONDS).
    queryFn: () =>
      send<PublicCampaignDto>('GET', `/api/public/campaigns/${encodeURIComponent(campaignId)}`, { cache: 'no-cache' }),
    refetchInterval: 60_000,
    initialData: () => takeEmbeddedBoard(campaignId),
    // (as fresh as the page that carried it)
    initialDataUpdatedAt: () => performance.timeOrigin,
    retry: (failures, error) => failures < 2 && !(error instanceof ApiRequestError && error.status === 404),
  });

  return (
    <div className="needs">
      <Group component="header" className="needs-top" justify="space-between" wrap="wrap" gap="xs">
        <Anchor component={Link} to="/" className="needs-brand" underline="never">
          {tApp('app.title')}
        </Anchor>
        <LanguageSwitcher />
      </Group>
      <Box component="main" className="needs-main">
        {query.data ? (
          <Needs campaign={query.data} />
        ) : query.error ? (
          <Alert role="alert" color="orange" variant="light" className="needs-alert">
            <Group gap="sm">
              <Text>
                {query.error instanceof ApiRequestError && query.error.status === 404
                  ? t('notFound')
                  : tApp('common.loadFailed')}
              </Text>
              {!(query.error instanceof ApiRequestError && query.error.status === 404) && (
                <Button variant="default" size="xs" onClick={() => void query.refetch()}>
                  {tApp('common.retry')}
                </Button>
              )}
            </Group>
          </Alert>
        ) : (
          <Text role="status" className="needs-loading">
            …
          </Text>
        )}
      </Box>
    </div>
  );
}

function Needs({ campaign }: { campaign: PublicCampaignDto }) {
  const { t, i18n } = useTranslation('needs');
  const localize = useLocalize();
  const title = localize(campaign.name);
  // The shared link's title names the campaign; keep it so after the app starts (and languages change).
  useEffect(() => {
    document.title = `${title} — ${t('title')}`;
  }, [title, t, i18n.language]);
  const name = useItemName();
  const units = useUnitLabel();
  const { t: tApp } = useTranslation();
  /** Today's hours on the campaign's clock (the shared helper), or null when only free text is known. */
  const todayHours = (point: PublicCollectionPointDto): string | null => {
    const today = hoursToday(point.weeklyHours, campaign.timeZone);
    if (!today) return null;
    if (today.intervals.length === 0) return tApp('campaigns.closedToday');
    const state = today.openNow
      ? tApp('campaigns.openNow', { time: today.closesAt })
      : today.opensAt
        ? tApp('campaigns.opensAt', { time: today.opensAt })
        : tApp('campaigns.closedNow');
    return `${tApp('campaigns.today', { hours: formatDayHours(today.intervals) })} · ${state}`;
  };
  const withPosition = campaign.collectionPoints.filter((point) => point.position);
  const now = useNow(30_000);
  // "Enough, stop bringing it" first and loudest; then what is needed now, the biggest need on top.
  const needs = [...campaign.needs].sort(
    (x, y) => Number(y.enough) - Number(x.enough) || Number(y.needed > 0) - Number(x.needed > 0) || y.needed - x.needed,
  );
  const enough = needs.filter((need) => need.enough);
  const wanted = needs.filter((need) => !need.enough && need.needed > 0);
  return (
    <Stack gap="md">
      {enough.length > 0 && (
        <div role="alert" className="needs-enough" data-testid="needs-enough">
          <strong>{t('enoughTitle')}</strong>{' '}
          {t('enoughText', { items: enough.map((need) => name(need.name)).join(', ') })}
        </div>
      )}
      <Title order={1} size="h2">
        {title}
      </Title>
      <Text className="needs-asof" data-testid="needs-updated">
        {t('updated', { when: formatRelative(campaign.asOf, Math.max(now, Date.parse(campaign.asOf))) })}
      </Text>
      {campaign.status === 'closed' && (
        <Alert color="orange" variant="light" className="needs-alert">
          {t('closed')}
        </Alert>
      )}
      <Box component="section" aria-labelledby="needs-title">
        <Title order={2} size="h3" id="needs-title" mb="xs">
          {t('title')}
        </Title>
        <Stack component="ul" gap="xs" className="needs-list" data-testid="needs">
          {needs.map((need) => {
            // Covered: delivered, on the road, or ready to send (expired goods do not count).
            const share = need.target > 0 ? Math.min(1, (need.target - need.needed) / need.target) : 1;
            return (
              <Paper
                component="li"
                withBorder
                p="sm"
                key={need.itemId}
                data-item={need.itemId}
                data-needed={need.needed}
                data-enough={need.enough}
                className={need.enough ? 'needs-item-enough' : undefined}
              >
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <Text fw={700}>{name(need.name)}</Text>
                  <Text
                    fw={700}
                    className={need.enough ? 'needs-stop' : need.needed > 0 ? 'needs-needed' : 'needs-done'}
                  >
                    {need.enough
                      ? t('enoughItem')
                      : need.needed > 0
                        ? `${t('needed')}: ${units.quantity(need.needed, need.baseUnit)}`
                        : t('allCollected')}
                  </Text>
                </Group>
                <Progress.Root size="md" my={6}>
                  <Progress.Section value={share * 100} color="#1f4e79" aria-label={name(need.name)} />
                </Progress.Root>
                <Group justify="space-between" wrap="wrap" gap="xs" className="needs-figures">
                  <span>
                    {t('collected')}: {formatNumber(need.collected)}
                  </span>
                  <span>
                    {t('pledged')}: {formatNumber(need.pledged)}
                  </span>
                  <span>
                    {t('usable')}: {formatNumber(need.usable)}
                  </span>
                  <span>
                    {t('inTransit')}: {formatNumber(need.inTransit)}
                  </span>
                  <span>
                    {t('delivered')}: {formatNumber(need.delivered)} / {formatNumber(need.target)}
                  </span>
                </Group>
              </Paper>
            );
          })}
        </Stack>
      </Box>
      {campaign.description && <Text className="needs-description">{localize(campaign.description)}</Text>}
      {(campaign.startsAt || campaign.endsAt) && (
        <Text>
          {t('period', {
            from: campaign.startsAt ? formatDate(campaign.startsAt) : '…',
            to: campaign.endsAt ? formatDate(campaign.endsAt) : '…',
          })}
        </Text>
      )}
      <Box component="section" aria-labelledby="needs-where">
        <Title order={2} size="h3" id="needs-where" mb="xs">
          {t('where')}
        </Title>
        {campaign.collectionPoints.length === 0 ? (
          <Text>{t('noPoints')}</Text>
        ) : (
          <Stack component="ul" gap="xs" className="needs-points">
            {campaign.collectionPoints.map((point) => (
              <Paper component="li" withBorder p="sm" key={point.id}>
                <Text fw={700}>{localize(point.name)}</Text>
                {point.address && <Text>{point.address}</Text>}
                {point.position && (
                  <Anchor
                    href={`https://www.openstreetmap.org/?mlat=${point.position.lat}&mlon=${point.position.lng}#map=17/${point.position.lat}/${point.position.lng}`}
                    target="_blank"
                    rel="noopener noreferrer"
                    className="needs-maplink"
                  >
                    {t('mapLink')}
                  </Anchor>
                )}
                {wanted.length > 0 && campaign.status === 'active' && (
                  <Text size="sm">{t('takesToday', { items: wanted.map((need) => name(need.name)).join(', ') })}</Text>
                )}
                <Text>{todayHours(point) ?? `${t('hours')}: ${point.openingHours ?? t('hoursUnknown')}`}</Text>
                {todayHours(point) && point.openingHours && (
                  <Text size="sm" c="dimmed">
                    {t('hours')}: {point.openingHours}
                  </Text>
                )}
              </Paper>
            ))}
          </Stack>
        )}
        {withPosition.length > 0 && <MapWhenNear points={withPosition} />}
      </Box>
      {campaign.status === 'active' && wanted.length > 0 && campaign.collectionPoints.length > 0 && (
        <PledgeForm campaign={campaign} needs={wanted} />
      )}
      <Text className="needs-asof">{t('asOf', { time: formatDateTime(campaign.asOf) })}</Text>
    </Stack>
  );
}

/**
 * The points' map is loaded (Leaflet, its tiles) only once its place comes near the screen: on a
 * phone it is below what is needed and where, and a donor who never scrolls to it does not pay
 * for it on a slow link. Its height is kept before and while it loads, so nothing below it jumps.
 */
function MapWhenNear({ points }: { points: PublicCollectionPointDto[] }) {
  const place = useRef<HTMLDivElement>(null);
  // (Without IntersectionObserver, an old browser: at once.)
  const [near, setNear] = useState(() => typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const element = place.current;
    if (near || !element) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setNear(true), {
      rootMargin: '100px',
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [near]);
  if (!near) return <div ref={place} className="needs-map-placeholder" />;
  return (
    <Suspense fallback={<div className="needs-map-placeholder" />}>
      <PointsMap points={points} />
    </Suspense>
  );
}
