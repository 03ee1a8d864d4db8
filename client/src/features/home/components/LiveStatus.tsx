import { Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { LiveStatus as Status } from '../../../lib/socket';

const COLOUR: Record<Status, string> = { connected: 'green.8', connecting: 'yellow.8', reconnecting: 'orange.8' };

export function LiveStatus({ status }: { status: Status }) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" role="status" data-testid="live-status" data-state={status}>
      <span
        aria-hidden="true"
        style={{
          width: '0.75rem',
          height: '0.75rem',
          borderRadius: '50%',
          background: `var(--mantine-color-${COLOUR[status].replace('.', '-')})`,
        }}
      />
      <Text c="dimmed">
        {t('live.label')}: {t(`live.${status}`)}
      </Text>
    </Group>
  );
}
