import { useCallback, useRef } from 'react';
import QrScanner from './QrScanner';

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
  const last = useRef<string | null>(null);
  const read = useCallback(
    (text: string) => {
      if (text !== last.current) onText(text);
      last.current = text;
      return 'more' as const;
    },
    [onText],
  );
  return (
    <QrScanner
      title={title}
      onText={read}
      foreignMessage=""
      onClose={onClose}
      stopLabel={stopLabel}
      videoMaxHeight="40vh"
      testId="crate-scanner"
    />
  );
}
