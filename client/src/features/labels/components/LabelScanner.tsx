import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Group, Loader, Paper, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { labelTarget } from '../keys';

type Decode = (video: HTMLVideoElement) => Promise<string | null> | string | null;

interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

/** The browser's own QR reader where it has one (Android's Chrome), ZXing otherwise (loaded now). */
export async function makeDecoder(): Promise<Decode> {
  const Detector = (window as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (Detector) {
    try {
      if ((await Detector.getSupportedFormats()).includes('qr_code')) {
        const detector = new Detector({ formats: ['qr_code'] });
        return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
      }
    } catch {
      // a detector that cannot read QR codes here: ZXing below
    }
  }
  const { zxingDecoder } = await import('./zxing-decoder');
  return zxingDecoder();
}

const SCAN_EVERY_MS = 200;

/**
 * The back camera, read for a label's QR code: a label of this deployment opens its page (in the
 * app, offline too); anything else is said not to be one, and the camera keeps looking. The
 * camera is stopped when the scanner closes or a label is found.
 */
export default function LabelScanner({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<'starting' | 'scanning' | 'noCamera'>('starting');
  const [foreign, setForeign] = useState(false);

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
    void (async () => {
      try {
        const media = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: 'environment' } },
          audio: false,
        });
        stream = media;
        if (stopped) return stop();
        const element = video.current!;
        element.srcObject = media;
        await element.play().catch(() => undefined);
        const decode = await makeDecoder();
        if (stopped) return;
        setState('scanning');
        const tick = async () => {
          if (stopped) return;
          const text = await Promise.resolve(decode(element)).catch(() => null);
          const target = text ? await labelTarget(text) : null;
          if (stopped) return;
          if (target) {
            stop();
            void navigate(target);
            return;
          }
          if (text) setForeign(true);
          timer = setTimeout(() => void tick(), SCAN_EVERY_MS);
        };
        void tick();
      } catch {
        if (!stopped) setState('noCamera');
      }
    })();
    return stop;
  }, [navigate]);

  return (
    <Paper withBorder p="sm" data-testid="label-scanner">
      <Stack gap="sm">
        <Text size="lg" fw={600}>
          {t('labels.scanTitle')}
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
            aria-label={t('labels.scanTitle')}
            style={{ width: '100%', maxHeight: '60vh', background: '#000', borderRadius: 4 }}
          />
        )}
        {state === 'starting' && (
          <Group gap="sm" role="status">
            <Loader size="sm" />
            <Text>{t('labels.scanStarting')}</Text>
          </Group>
        )}
        {foreign && (
          <Alert color="orange.9" variant="light" role="alert" data-testid="scan-foreign">
            {t('labels.notKaravan')}
          </Alert>
        )}
        <Button size="lg" variant="default" fullWidth onClick={onClose}>
          {t('labels.stop')}
        </Button>
      </Stack>
    </Paper>
  );
}
