import { useMemo } from 'react';
// ZXing's QR encoder (the package the scanner reads with), its modules only.
import Encoder from '@zxing/library/esm/core/qrcode/encoder/Encoder';
import ErrorCorrectionLevel from '@zxing/library/esm/core/qrcode/decoder/ErrorCorrectionLevel';

const QUIET = 4;

/** A QR code drawn as one SVG path (black modules on white with the quiet zone), at level L. */
export function QrCode({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { path, size } = useMemo(() => {
    const matrix = Encoder.encode(text, ErrorCorrectionLevel.L).getMatrix();
    const width = matrix.getWidth();
    let d = '';
    for (let y = 0; y < matrix.getHeight(); y += 1) {
      for (let x = 0; x < width; x += 1) if (matrix.get(x, y) === 1) d += `M${x + QUIET} ${y + QUIET}h1v1h-1z`;
    }
    return { path: d, size: width + 2 * QUIET };
  }, [text]);
  return (
    <svg
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label={label}
      data-testid={testId}
      shapeRendering="crispEdges"
      style={{ width: '100%', maxWidth: 'min(92vw, 70vh)', height: 'auto', background: '#fff', display: 'block' }}
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
