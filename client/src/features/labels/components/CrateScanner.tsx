import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Group, Loader, Paper, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { makeDecoder } from './LabelScanner';

const SCAN_EVERY_MS = 200;

/**
 * The back camera kept open to read crate after crate (receive by scanning): every QR text read
 * goes to `onText` (the same text again only after another was read), and the camera stays on
 * until `onClose`. What a text means is the caller's to say.
 */
export default function CrateScanner({
  title,
  stopLabel,
  onText,
  onClose,
}: {
  title: string;
  stopLabel: string;
  onText(text: string): void;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<'starting' | 'scanning' | 'noCamera'>('starting');
  const handler = useRef(onText);
  useEffect(() => {
    handler.current = onText;
  }, [onText]);

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: string | null = null;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
    void (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: 'environment' } },
          audio: false,
        });
        if (stopped) return stop();
        const element = video.current!;
        element.srcObject = stream;
        await element.play().catch(() => undefined);
        const decode = await makeDecoder();
        if (stopped) return;
        setState('scanning');
        const tick = async () => {
          if (stopped) return;
          const text = await Promise.resolve(decode(element)).catch(() => null);
          if (stopped) return;
          if (text && text !== last) {
            last = text;
            handler.current(text);
          }
          timer = setTimeout(() => void tick(), SCAN_EVERY_MS);
        };
        void tick();
      } catch {
        if (!stopped) setState('noCamera');
      }
    })();
    return stop;
  }, []);

  return (
    <Paper withBorder p="sm" data-testid="crate-scanner">
      <Stack gap="sm">
        <Text size="lg" fw={600}>
          {title}
        </Text>
        {state === 'noCamera' ? (
          <Alert color="orange.9" variant="light" role="alert">
            {t('labels.noCamera')}
          </Alert>
        ) : (
          <video
            ref={video}
            muted
            playsInline
            aria-label={title}
            style={{ width: '100%', maxHeight: '40vh', background: '#000', borderRadius: 4 }}
          />
        )}
        {state === 'starting' && (
          <Group gap="sm" role="status">
            <Loader size="sm" />
            <Text>{t('labels.scanStarting')}</Text>
          </Group>
        )}
        <Button size="lg" variant="default" fullWidth onClick={onClose}>
          {stopLabel}
        </Button>
      </Stack>
    </Paper>
  );
}
