import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { DonationsOverTimeDto } from '@karavan/shared';
import { formatNumber, formatTime } from '../../../lib/format';

/** A small bar chart of donations per hour; its total is also said in words for screen readers. */
export const DonationsChart = memo(function DonationsChart({ data }: { data: DonationsOverTimeDto }) {
  const { t } = useTranslation('dashboard');
  const max = Math.max(1, ...data.buckets.map((b) => b.donations));
  const total = data.buckets.reduce((sum, b) => sum + b.donations, 0);
  const width = 480;
  const height = 120;
  const bar = width / Math.max(1, data.buckets.length);
  const first = data.buckets[0];
  const last = data.buckets[data.buckets.length - 1];
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${width} ${height + 18}`}
        width="100%"
        role="img"
        aria-label={t('chartSummary', { count: total })}
        data-testid="donations-chart"
      >
        {data.buckets.map((bucket, i) => {
          const h = (bucket.donations / max) * height;
          return (
            <rect key={bucket.at} x={i * bar + 1} y={height - h} width={Math.max(1, bar - 2)} height={h} fill="#1f4e79">
              <title>{`${formatTime(bucket.at)}: ${formatNumber(bucket.donations)}`}</title>
            </rect>
          );
        })}
        <line x1={0} x2={width} y1={height} y2={height} stroke="#5b6675" />
        {first && (
          <text x={0} y={height + 14} fontSize={12} fill="#3b4452">
            {formatTime(first.at)}
          </text>
        )}
        {last && (
          <text x={width} y={height + 14} fontSize={12} fill="#3b4452" textAnchor="end">
            {formatTime(last.at)}
          </text>
        )}
      </svg>
      <figcaption>{t('chartSummary', { count: total })}</figcaption>
    </figure>
  );
});
