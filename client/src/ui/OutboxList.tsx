import { Alert, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatRelative, useFormatLanguage } from '../lib/format';
import { outbox, useOutbox, type OutboxEntry } from '../lib/outbox';
import { useNow } from '../lib/use-now';

/**
 * What waits on this device to reach the server (`filter` picks a screen's entries): since when,
 * how many tries, and the entries the server refused, with retry and discard.
 */
export function OutboxList({
  filter,
  describe,
}: {
  filter(entry: OutboxEntry): boolean;
  describe(entry: OutboxEntry): string;
}) {
  const { t } = useTranslation();
  useFormatLanguage();
  const now = useNow(30_000);
  const { entries, sending, nextTryAt } = useOutbox();
  const mine = entries.filter(filter);
  if (mine.length === 0) return null;
  const waiting = mine.filter((entry) => !entry.needsAttention);
  const refused = mine.filter((entry) => entry.needsAttention);
  const oldest = waiting[0];

  return (
    <Stack gap="xs" data-testid="outbox" aria-live="polite">
      {waiting.length > 0 && oldest && (
        <Alert color="orange.9" variant="light" title={t('outbox.waiting', { count: waiting.length })}>
          <Text size="sm">
            {sending
              ? t('outbox.sending')
              : nextTryAt
                ? t('outbox.nextTry', { when: formatRelative(nextTryAt, now) })
                : navigator.onLine
                  ? t('outbox.willSend')
                  : t('outbox.offline')}
          </Text>
          <Stack gap={4} mt="xs" component="ul" p={0} style={{ listStyle: 'none' }}>
            {waiting.map((entry) => (
              <li key={entry.id} data-testid="outbox-entry">
                <Text size="sm">
                  {describe(entry)} · {t('outbox.since', { time: formatDateTime(entry.createdAt) })}
                  {entry.attempts > 0 && ` · ${t('outbox.attempts', { count: entry.attempts })}`}
                  {entry.relayedAt && ` · ${t('relay.relayed')}`}
                </Text>
              </li>
            ))}
          </Stack>
        </Alert>
      )}
      {refused.map((entry) => (
        <Alert key={entry.id} color="red" variant="light" title={t('outbox.refused')} data-testid="outbox-refused">
          <Text size="sm">{describe(entry)}</Text>
          <Text size="sm">
            {t(`errors.${entry.lastError?.code ?? 'INTERNAL'}`, { defaultValue: t('errors.UNPROCESSABLE') })}
            {entry.lastError?.details?.[0] &&
              ` (${entry.lastError.details[0].path}: ${entry.lastError.details[0].message})`}
          </Text>
          <Group mt="xs">
            <Button size="sm" variant="default" onClick={() => void outbox.retry(entry.id)}>
              {t('outbox.retry')}
            </Button>
            <Button
              size="sm"
              color="red.9"
              variant="subtle"
              c="red.9"
              onClick={() => {
                if (window.confirm(t('outbox.discardConfirm'))) void outbox.discard(entry.id);
              }}
            >
              {t('outbox.discard')}
            </Button>
          </Group>
        </Alert>
      ))}
    </Stack>
  );
}

/** A compact count for the header. */
export function OutboxBadge() {
  const { t } = useTranslation();
  const { entries } = useOutbox();
  if (entries.length === 0) return null;
  const refused = entries.some((entry) => entry.needsAttention);
  return (
    <Badge color={refused ? 'red.9' : 'yellow'} variant="filled" size="lg" autoContrast data-testid="outbox-badge">
      {t('outbox.badge', { count: entries.length })}
    </Badge>
  );
}
