import { Button, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Page } from '@karavan/shared';
import { formatNumber } from '../lib/format';

interface PagerProps {
  page: Page<unknown> | undefined;
  onOffset(offset: number): void;
  /** The route's `total` is a lower bound before the last page (it says only "there is more"). */
  approximate?: boolean;
  /** What is listed, for the navigation landmark's name (several pagers on one screen). */
  label?: string;
}

/** "Showing 101–200 of 260" with previous and next page; the page's own filters stay as they are. */
export function Pager({ page, onOffset, approximate = false, label }: PagerProps) {
  const { t } = useTranslation();
  if (!page) return null;
  const shown = page.items.length;
  const from = shown > 0 ? page.offset + 1 : 0;
  const to = page.offset + shown;
  const total = Math.max(page.total ?? to, to);
  const more = to < total;
  const status =
    shown === 0 && page.offset === 0
      ? null
      : approximate && more
        ? t('pager.showingMore', { from: formatNumber(from), to: formatNumber(to) })
        : t('pager.showing', { from: formatNumber(from), to: formatNumber(to), total: formatNumber(total) });
  if (status === null) return null;
  return (
    <Group
      justify="space-between"
      wrap="wrap"
      component="nav"
      aria-label={label ?? t('pager.label')}
      data-testid="pager"
      data-offset={page.offset}
    >
      <Text size="sm" aria-live="polite" data-testid="pager-status">
        {status}
      </Text>
      {(page.offset > 0 || more) && (
        <Group gap="xs">
          <Button
            variant="default"
            disabled={page.offset === 0}
            onClick={() => onOffset(Math.max(0, page.offset - page.limit))}
            data-testid="pager-previous"
          >
            {t('pager.previous')}
          </Button>
          <Button
            variant="default"
            disabled={!more}
            onClick={() => onOffset(page.offset + page.limit)}
            data-testid="pager-next"
          >
            {t('pager.next')}
          </Button>
        </Group>
      )}
    </Group>
  );
}
