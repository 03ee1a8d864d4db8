import { Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { RELAY_REFUSALS, type RelayRefusal, type ShipmentStatus } from '@karavan/shared';
import { formatDateTime } from '../../../lib/format';
import { encodeReceipt, type RelayEnvelope } from '../codec';
import { QrCode } from './QrCode';

export interface RelayResult {
  id: string | null;
  status: 'applied' | 'duplicate' | 'rejected';
  code?: string;
  /** In English, for logs: the screen says `code` in words. */
  reason?: string;
}

/** A refusal's code as the screen says it; one it does not know is "cannot accept". */
const refusalOf = (code: string | undefined): RelayRefusal =>
  (RELAY_REFUSALS as readonly string[]).includes(code ?? '') ? (code as RelayRefusal) : 'UNPROCESSABLE';

const STATUS_COLOR = { applied: '#1e6b34', duplicate: 'blue.9', rejected: 'red.9' } as const;

/** What the server answered for each relayed update, and the answer code for the driver's phone. */
export function Results({
  envelopes,
  results,
  onAgain,
}: {
  envelopes: RelayEnvelope[];
  results: RelayResult[];
  onAgain: () => void;
}) {
  const { t } = useTranslation();
  // What each update said, in words (the results come in the envelopes' order).
  const said = (i: number): string | null => {
    const payload = envelopes[i]?.payload;
    if (!payload || typeof payload.status !== 'string') return null;
    const when = typeof payload.at === 'string' ? ` · ${formatDateTime(payload.at)}` : '';
    return `${t(`shipmentStatus.${payload.status as ShipmentStatus}`)}${when}`;
  };
  const known = results
    .filter((result) => result.status !== 'rejected' && result.id)
    .map((result) => result.id as string);
  const back = known.length ? encodeReceipt(known) : [];
  return (
    <Stack gap="md">
      <Paper withBorder p="md" component="section" aria-labelledby="relay-results-title">
        <Title order={2} size="h4" id="relay-results-title" mb="xs">
          {t('relay.results')}
        </Title>
        <Stack gap="sm" component="ol" p={0} m={0} style={{ listStyle: 'none' }}>
          {results.map((result, i) => (
            <li key={`${result.id ?? ''}-${i}`} data-testid="relay-result" data-status={result.status}>
              <Group gap="xs">
                <Badge color={STATUS_COLOR[result.status]} variant="filled" autoContrast>
                  {t(`relay.status.${result.status}`)}
                </Badge>
                <Text fw={600}>{said(i) ?? result.id ?? '—'}</Text>
              </Group>
              {result.status === 'rejected' && (
                <Text size="sm" data-testid="relay-refusal" data-code={refusalOf(result.code)}>
                  {t(`relay.refused.${refusalOf(result.code)}`)}
                </Text>
              )}
            </li>
          ))}
        </Stack>
      </Paper>
      {back.map((part, i) => (
        <Stack key={part} gap="xs" align="center">
          <Text>{t('relay.backHint')}</Text>
          <QrCode
            text={part}
            label={back.length > 1 ? t('relay.qr', { index: i + 1, total: back.length }) : t('relay.backQr')}
            testId="relay-back-qr"
          />
        </Stack>
      ))}
      <Button size="lg" variant="outline" fullWidth onClick={onAgain}>
        {t('relay.again')}
      </Button>
    </Stack>
  );
}
