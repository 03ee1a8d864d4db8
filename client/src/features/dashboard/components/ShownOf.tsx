import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * Says that a list shows only its first rows (the soonest to expire) when the server has more:
 * a big drive has more lots than one answer carries, and the board must not pass for complete.
 */
export function ShownOf({ shown, total }: { shown: number; total: number }) {
  const { t } = useTranslation('dashboard');
  if (total <= shown) return null;
  return (
    <Text c="dimmed" mt="sm" data-testid="stock-shown-of">
      {t('stockShownOf', { shown, total })}
    </Text>
  );
}
