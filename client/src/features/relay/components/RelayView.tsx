import { Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { outbox, type OutboxEntry } from '../../../lib/outbox';
import { QrScanner, type ScanVerdict } from '../../labels';
import { decodeReceipt, encodeEnvelopes, PartCollector, relayable } from '../codec';
import { QrCode } from './QrCode';

/** How long each code of a sequence shows before the next. */
const ADVANCE_MS = 1_500;

/** The pending signed updates as a sequence of QR codes, and the scanner of the answer. */
export default function RelayView({ entries }: { entries: readonly OutboxEntry[] }) {
  const { t } = useTranslation();
  const { envelopes, unsigned } = relayable(entries);
  // The codes change only when the list of updates does (not on every outbox refresh).
  const ids = envelopes.map((envelope) => envelope.payload.id).join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const parts = useMemo(() => (envelopes.length ? encodeEnvelopes(envelopes) : []), [ids]);
  const [index, setIndex] = useState(0);
  const [paused, setPaused] = useState(false);
  const [scanning, setScanning] = useState(false);
  const [marked, setMarked] = useState<number | null>(null);
  const current = parts.length ? Math.min(index, parts.length - 1) : 0;

  useEffect(() => {
    if (parts.length < 2 || paused || scanning) return;
    const timer = setInterval(() => setIndex((i) => (i + 1) % parts.length), ADVANCE_MS);
    return () => clearInterval(timer);
  }, [parts.length, paused, scanning]);

  const step = (by: number) => {
    setPaused(true);
    setIndex((i) => (((i + by) % parts.length) + parts.length) % parts.length);
  };

  return (
    <Stack gap="md" data-testid="relay-view">
      <Alert color="yellow" variant="light" role="status">
        {t('relay.honest')}
      </Alert>
      {unsigned > 0 && (
        <Alert color="orange.9" variant="light" data-testid="relay-unsigned">
          {t('relay.unsigned', { count: unsigned })}
        </Alert>
      )}
      {parts.length === 0 ? (
        <Text size="lg">{t('relay.none')}</Text>
      ) : (
        !scanning && (
          <>
            <Text size="lg">{t('relay.count', { count: envelopes.length })}</Text>
            <Text>{t('relay.howTo')}</Text>
            <QrCode
              text={parts[current]!}
              label={t('relay.qr', { index: current + 1, total: parts.length })}
              testId="relay-qr"
            />
            <Text size="xl" fw={700} ta="center" data-testid="relay-part" aria-live="polite">
              {t('relay.part', { index: current + 1, total: parts.length })}
            </Text>
            {parts.length > 1 && (
              <Group grow>
                <Button
                  size="xl"
                  variant="default"
                  onClick={() => step(-1)}
                  aria-label={t('relay.prev')}
                  title={t('relay.prev')}
                >
                  ←
                </Button>
                <Button
                  size="xl"
                  variant="default"
                  onClick={() => step(1)}
                  aria-label={t('relay.next')}
                  title={t('relay.next')}
                >
                  →
                </Button>
              </Group>
            )}
          </>
        )
      )}
      {marked !== null && (
        <Alert color="green" variant="light" role="status" data-testid="relay-marked">
          {t('relay.backDone', { count: marked })}
        </Alert>
      )}
      {scanning ? (
        <Suspense fallback={<Loader size="sm" />}>
          <BackScanner
            onClose={() => setScanning(false)}
            onIds={(found) => {
              setScanning(false);
              void outbox.markRelayed(found).then(setMarked);
            }}
          />
        </Suspense>
      ) : (
        parts.length > 0 && (
          <Button size="lg" variant="outline" fullWidth onClick={() => setScanning(true)} data-testid="relay-scan-back">
            {t('relay.scanBack')}
          </Button>
        )
      )}
    </Stack>
  );
}

/** The camera, read for the colleague's answer code (the ids the server has). */
function BackScanner({ onIds, onClose }: { onIds: (ids: string[]) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const collector = useRef(new PartCollector('A'));
  const [progress, setProgress] = useState<{ have: number; total: number } | null>(null);
  const onText = (text: string): ScanVerdict => {
    const got = collector.current.add(text);
    if (got.state === 'partial') {
      setProgress({ have: got.have, total: got.total });
      return 'more';
    }
    const ids = got.state === 'complete' ? decodeReceipt(got.message) : null;
    if (!ids) return 'foreign';
    onIds(ids);
    return 'done';
  };
  return (
    <QrScanner title={t('relay.scanBackTitle')} onText={onText} foreignMessage={t('relay.notBack')} onClose={onClose}>
      {progress && <Text role="status">{t('relay.progress', progress)}</Text>}
    </QrScanner>
  );
}
