import { Suspense, useRef, useState } from 'react';
import { Alert, Badge, Button, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { ShipmentStatus } from '@karavan/shared';
import { request } from '../../../lib/api';
import { formatDateTime } from '../../../lib/format';
import { uuid } from '../../../lib/uuid';
import { useErrorMessage } from '../../../ui/apiErrors';
import { QrScanner, type ScanVerdict } from '../../labels';
import { decodeEnvelopes, encodeReceipt, PartCollector, type RelayEnvelope } from '../codec';
import { QrCode } from './QrCode';

interface RelayResult {
  id: string | null;
  status: 'applied' | 'duplicate' | 'rejected';
  reason?: string;
}

type Step =
  | { kind: 'scanning' }
  | { kind: 'sending'; envelopes: RelayEnvelope[]; key: string }
  | { kind: 'failed'; envelopes: RelayEnvelope[]; key: string; error: unknown }
  | { kind: 'done'; envelopes: RelayEnvelope[]; results: RelayResult[] };

const STATUS_COLOR = { applied: '#1e6b34', duplicate: 'blue.9', rejected: 'red.9' } as const;

/**
 * `/relay`: "Receive updates by QR" (issue 21), for any signed-in user with signal: the camera
 * reads a driver's codes, in any order, until the message is whole; it is posted once to
 * POST /api/relay; each update's outcome shows, with an answer code for the driver's phone.
 */
export function RelayReceivePage() {
  const { t } = useTranslation();
  const errorMessage = useErrorMessage();
  const [step, setStep] = useState<Step>({ kind: 'scanning' });
  const [progress, setProgress] = useState<{ have: number; total: number } | null>(null);
  const [corrupt, setCorrupt] = useState(false);
  const collector = useRef(new PartCollector('R'));
  const navigate = useNavigate();

  async function send(envelopes: RelayEnvelope[], key: string) {
    setStep({ kind: 'sending', envelopes, key });
    try {
      // One key per message read: a retry after a lost answer gets the first answer.
      const { results } = await request<{ results: RelayResult[] }>(
        'POST',
        '/api/relay',
        { envelopes },
        { 'Idempotency-Key': key },
      );
      setStep({ kind: 'done', envelopes, results });
    } catch (error) {
      setStep({ kind: 'failed', envelopes, key, error });
    }
  }

  const onText = (text: string): ScanVerdict => {
    const got = collector.current.add(text);
    switch (got.state) {
      case 'foreign':
        return 'foreign';
      case 'partial':
        setCorrupt(false);
        setProgress({ have: got.have, total: got.total });
        return 'more';
      case 'corrupt':
        setCorrupt(true);
        setProgress(null);
        return 'more';
      case 'complete': {
        const envelopes = decodeEnvelopes(got.message);
        if (!envelopes) return 'foreign';
        void send(envelopes, uuid());
        return 'done';
      }
    }
  };

  const again = () => {
    collector.current.reset();
    setProgress(null);
    setCorrupt(false);
    setStep({ kind: 'scanning' });
  };

  return (
    <Stack gap="md" data-testid="relay-receive">
      <Title order={1} size="h2">
        {t('relay.receiveTitle')}
      </Title>
      {step.kind === 'scanning' && (
        <>
          <Text>{t('relay.receiveHint')}</Text>
          <Suspense fallback={<Loader size="sm" />}>
            <QrScanner
              title={t('relay.scanTitle')}
              onText={onText}
              foreignMessage={t('relay.notRelay')}
              onClose={() => void navigate('/')}
              testId="relay-scanner"
            >
              {progress && (
                <Text size="xl" fw={700} role="status" data-testid="relay-progress">
                  {t('relay.progress', progress)}
                </Text>
              )}
              {corrupt && (
                <Alert color="orange.9" variant="light" role="alert" data-testid="relay-corrupt">
                  {t('relay.corrupt')}
                </Alert>
              )}
            </QrScanner>
          </Suspense>
        </>
      )}
      {step.kind === 'sending' && (
        <Group gap="sm" role="status">
          <Loader size="sm" />
          <Text>{t('relay.sending')}</Text>
        </Group>
      )}
      {step.kind === 'failed' && (
        <Alert color="red.9" variant="light" role="alert" data-testid="relay-failed">
          <Stack gap="sm">
            <Text>{t('relay.failed', { error: errorMessage(step.error) })}</Text>
            <Button size="lg" onClick={() => void send(step.envelopes, step.key)}>
              {t('relay.retry')}
            </Button>
          </Stack>
        </Alert>
      )}
      {step.kind === 'done' && <Results envelopes={step.envelopes} results={step.results} onAgain={again} />}
    </Stack>
  );
}

function Results({
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
              {result.reason && <Text size="sm">{result.reason}</Text>}
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
