import fs from 'node:fs';

// The client's decoder, compiled by Jest (jest.config.js: the integration project transforms
// client/src and ZXing's ES modules). Required rather than imported: the tests' TypeScript settings
// (Node16 resolution) do not resolve the client's ZXing imports, which the client's own typecheck covers.
const { readLuminance } = require('../../client/src/features/labels/components/zxing-decoder') as {
  readLuminance(luminance: Uint8ClampedArray, width: number, height: number): string | null;
};

/** An image as grey levels, one byte a pixel, in a file (tests/support/pdf-render.mjs writes them). */
export interface GreyFile {
  file: string;
  width: number;
  height: number;
}

/**
 * The text of the QR code in an image, read by the phones' own reader (the client's ZXing with
 * its whole-image finder, which phones without BarcodeDetector use), or null. Tried at the sizes
 * the phones try (a dense code's finder patterns are found best at 3 to 5 pixels a module). Stock
 * ZXing, which read them here before, cannot find some codes at any size (about 1 in 25).
 */
export function readQrFile(grey: GreyFile): string | null {
  const levels = fs.readFileSync(grey.file);
  for (const scale of [1 / 2, 1 / 3, 1, 2 / 5, 3 / 4, 1 / 4]) {
    const text = readLuminance(...scaled(levels, grey.width, grey.height, scale));
    if (text !== null) return text;
  }
  return null;
}

/** The grey levels drawn `scale` times their size (each pixel the mean of its source box). */
function scaled(levels: Buffer, width: number, height: number, scale: number): [Uint8ClampedArray, number, number] {
  if (scale === 1) return [new Uint8ClampedArray(levels), width, height];
  const floor = Math.floor; // (bound once: a global lookup in this loop is slow under Jest)
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const sum = new Uint32Array(w * h);
  const count = new Uint32Array(w * h);
  for (let y = 0; y < height; y += 1) {
    const row = floor(y * scale) * w;
    const from = y * width;
    for (let x = 0; x < width; x += 1) {
      const t = row + floor(x * scale);
      sum[t]! += levels[from + x]!;
      count[t]! += 1;
    }
  }
  const out = new Uint8ClampedArray(w * h);
  for (let i = 0; i < out.length; i += 1) out[i] = count[i] ? sum[i]! / count[i]! : 255;
  return [out, w, h];
}
