import { Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { CustodyDto, ShipmentDto } from '@karavan/shared';
import { request } from '../../../lib/api';
import { formatDateTime } from '../../../lib/format';

/**
 * The shipment's chain of custody: whether its records' hash chain is intact, and per record the
 * device that signed it (GET /api/shipments/:id/custody). Read again whenever the shipment changes.
 */
export function CustodyPanel({ shipment }: { shipment: ShipmentDto }) {
  const { t } = useTranslation();
  const path = `/api/shipments/${encodeURIComponent(shipment.id)}/custody`;
  const query = useQuery({
    queryKey: ['custody', shipment.id, shipment.updatedAt],
    queryFn: () => request<CustodyDto>('GET', path),
  });

  async function download() {
    const file = await request<unknown>('GET', `${path}.json`);
    const url = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `custody-${shipment.id}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  const custody = query.data;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="custody-title" data-testid="custody">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="custody-title">
          {t('shipments.custody.title')}
        </Title>
        {custody && (
          <Badge color={custody.intact ? '#1b5e20' : 'red.9'} variant="filled" autoContrast data-testid="custody-state">
            {custody.intact ? t('shipments.custody.intact') : t('shipments.custody.broken')}
          </Badge>
        )}
      </Group>
      {query.isError && <Text c="red.9">{t('shipments.custody.unavailable')}</Text>}
      {custody && (
        <Stack gap={4} component="ol" pl="md" m={0}>
          {custody.records.map((record) => (
            <li key={record.id}>
              <Text size="sm">
                <strong>{t(`shipments.custody.kind.${record.kind}`)}</strong> · {formatDateTime(record.at)} ·{' '}
                {record.deviceId
                  ? t(record.verified ? 'shipments.custody.signedBy' : 'shipments.custody.signedUnverified', {
                      device: record.deviceId.slice(-6),
                    })
                  : t('shipments.custody.unsigned')}
                {!record.hash && ` · ${t('shipments.custody.beforeChain')}`}
              </Text>
            </li>
          ))}
        </Stack>
      )}
      {custody && (
        <Button variant="default" size="xs" mt="sm" onClick={() => void download()}>
          {t('shipments.custody.download')}
        </Button>
      )}
    </Paper>
  );
}
