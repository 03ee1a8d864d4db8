import type { ReactNode } from 'react';
import { Alert, Button, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { errorCode } from '../lib/http';
import { PageLoader } from './PageLoader';

export interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch(): unknown;
}

/** The loading and error states of a query; renders `children(data)` once there is data. */
export function QueryState<T>({ query, children }: { query: QueryLike<T>; children(data: T): ReactNode }) {
  const { t } = useTranslation();
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.isPending && !query.error) return <PageLoader />;
  return (
    <Alert color="red" variant="light" role="alert" title={t('common.loadFailed')}>
      <Group justify="space-between" wrap="wrap">
        <span>{t(`errors.${errorCode(query.error)}`, { defaultValue: t('errors.INTERNAL') })}</span>
        <Button variant="default" onClick={() => void query.refetch()}>
          {t('common.retry')}
        </Button>
      </Group>
    </Alert>
  );
}
