import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Alert, Button, Group, Loader, Paper, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

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

/**
 * The pause between two reads: 200 ms and up to 300 more, at random. A phone that reads slowly
 * (seconds per frame) would otherwise keep step with a screen that shows its codes in turn, and
 * read the same code every round: two codes shown 1.5 s each, read every 3 s, never give the
 * second. The random part moves each read to another moment of the round.
 */
const SCAN_EVERY_MS = 200;
const SCAN_JITTER_MS = 300;

/** What the scanner does with a text it read: stop (done), keep looking (more), or say it is not wanted. */
export type ScanVerdict = 'done' | 'more' | 'foreign';

export interface QrScannerProps {
  title: string;
  /** Each text read, in turn (the next is read once this resolves). */
  onText: (text: string) => Promise<ScanVerdict> | ScanVerdict;
  /** Said when a code was read that is not wanted here. */
  foreignMessage: string;
  onClose: () => void;
  /** Shown under the camera (e.g. how many codes of a sequence were read). */
  children?: ReactNode;
  testId?: string;
  /** The close button's words (default "Close the camera"). */
  stopLabel?: string;
  /** The video's largest height (default 60vh; less where a list must show beside it). */
  videoMaxHeight?: string;
}

/**
 * The back camera, read for QR codes: each text read is handed to `onText`, which says whether
 * it was wanted; a code that is not wanted is said not to be, and the camera keeps looking. The
 * camera is stopped when the scanner closes or `onText` is done.
 */
export default function QrScanner({
  title,
  onText,
  foreignMessage,
  onClose,
  children,
  testId,
  stopLabel,
  videoMaxHeight = '60vh',
}: QrScannerProps) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<'starting' | 'scanning' | 'noCamera'>('starting');
  const [foreign, setForeign] = useState(false);
  // The latest handler, without restarting the camera when the parent renders again.
  const handler = useRef(onText);
  useEffect(() => {
    handler.current = onText;
  });

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
          const verdict = text ? await Promise.resolve(handler.current(text)).catch(() => 'foreign' as const) : null;
          if (stopped) return;
          if (verdict === 'done') return stop();
          if (verdict) setForeign(verdict === 'foreign');
          timer = setTimeout(() => void tick(), SCAN_EVERY_MS + Math.floor(Math.random() * SCAN_JITTER_MS));
        };
        void tick();
      } catch {
        if (!stopped) setState('noCamera');
      }
    })();
    return stop;
  }, []);

  return (
    <Paper withBorder p="sm" data-testid={testId}>
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
            style={{ width: '100%', maxHeight: videoMaxHeight, background: '#000', borderRadius: 4 }}
          />
        )}
        {state === 'starting' && (
          <Group gap="sm" role="status">
            <Loader size="sm" />
            <Text>{t('labels.scanStarting')}</Text>
          </Group>
        )}
        {children}
        {foreign && (
          <Alert color="orange.9" variant="light" role="alert" data-testid="scan-foreign">
            {foreignMessage}
          </Alert>
        )}
        <Button size="lg" variant="default" fullWidth onClick={onClose}>
          {stopLabel ?? t('labels.stop')}
        </Button>
      </Stack>
    </Paper>
  );
}
