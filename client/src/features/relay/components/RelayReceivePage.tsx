import { Suspense, useRef, useState } from 'react';
import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { request } from '../../../lib/api';
import { uuid } from '../../../lib/uuid';
import { useErrorMessage } from '../../../ui/apiErrors';
import { QrScanner, type ScanVerdict } from '../../labels';
import { decodeEnvelopes, PartCollector, type RelayEnvelope } from '../codec';
import { Results, type RelayResult } from './RelayResults';

type Step =
  | { kind: 'scanning' }
  | { kind: 'sending'; envelopes: RelayEnvelope[]; key: string }
  | { kind: 'failed'; envelopes: RelayEnvelope[]; key: string; error: unknown }
  | { kind: 'done'; envelopes: RelayEnvelope[]; results: RelayResult[] };

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
