import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import QRCode from 'qrcode';
import { CHROMIUM_ARGS } from './browser';

/*
 * A phone's camera in the browser tests: Chromium's fake video capture plays a Y4M file (4:2:0,
 * grey: U and V at 128, looped) when a page opens the camera. Films are made of QR codes drawn
 * here or of screenshots of another phone's screen.
 */

// pngjs (qrcode's PNG codec) reads screenshots: its package has no types.
const { PNG } = require('pngjs') as {
  PNG: { sync: { read(buffer: Buffer): { width: number; height: number; data: Buffer } } };
};

/** A PNG's pixels (RGBA). */
export const readPng = (png: Buffer): { width: number; height: number; data: Buffer } => PNG.sync.read(png);

export const CAMERA = { width: 960, height: 720 };
const FPS = 10;

/** The Chromium flags of a phone whose back camera plays `file` (read when the camera opens). */
export const cameraArgs = (file: string): string[] => [
  ...CHROMIUM_ARGS,
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  `--use-file-for-fake-video-capture=${file}`,
];

const frameOfLuma = (luma: Buffer): Buffer =>
  Buffer.concat([Buffer.from('FRAME\n'), luma, Buffer.alloc((CAMERA.width * CAMERA.height) / 2, 128)]);

/** One frame showing `text` as a QR code, black on white with its quiet zone, as large as fits. */
export function qrFrame(text: string): Buffer {
  const { width, height } = CAMERA;
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const scale = Math.floor(height / (size + 8));
  const left = Math.floor((width - size * scale) / 2);
  const top = Math.floor((height - size * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      if (!qr.modules.get(row, col)) continue;
      for (let dy = 0; dy < scale; dy += 1) {
        const start = (top + row * scale + dy) * width + left + col * scale;
        luma.fill(16, start, start + scale);
      }
    }
  }
  return frameOfLuma(luma);
}

/** An image's grey levels (RGBA pixels), scaled by a whole factor to fill the frame (nearest pixel), on white. */
export function imageFrame(image: { width: number; height: number; data: Buffer }): Buffer {
  const { width, height } = CAMERA;
  const scale = Math.max(1, Math.floor(Math.min(height / image.height, width / image.width)));
  const left = Math.floor((width - image.width * scale) / 2);
  const top = Math.floor((height - image.height * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let y = 0; y < image.height * scale; y += 1) {
    for (let x = 0; x < image.width * scale; x += 1) {
      const p = (Math.floor(y / scale) * image.width + Math.floor(x / scale)) * 4;
      const grey = (image.data[p]! * 77 + image.data[p + 1]! * 150 + image.data[p + 2]! * 29) >> 8;
      luma[(top + y) * width + left + x] = 16 + Math.round((grey * 219) / 255);
    }
  }
  return frameOfLuma(luma);
}

/** A blank (white) frame: a camera that sees nothing yet. */
export const blankFrame = (): Buffer => frameOfLuma(Buffer.alloc(CAMERA.width * CAMERA.height, 235));

/** Writes a film showing each frame in turn for `framesEach` frames (10 a second); Chromium loops it. */
export function writeFilm(file: string, frames: Buffer[], framesEach = 10): string {
  const header = Buffer.from(`YUV4MPEG2 W${CAMERA.width} H${CAMERA.height} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  fs.writeFileSync(file, Buffer.concat([header, ...frames.flatMap((f) => Array<Buffer>(framesEach).fill(f))]));
  return file;
}

/** A film of QR codes, each shown for a second in turn. */
export const filmOfCodes = (file: string, texts: string[]): string => writeFilm(file, texts.map(qrFrame));

/**
 * The text ZXing's detector finds in an image (RGBA pixels), drawn `scale` times larger (nearest
 * pixel) with a white border, or null. It finds none in some codes at any size, about 1 in 25 of
 * relay codes and labels drawn perfectly.
 */
export function zxingReads(image: { width: number; height: number; data: Buffer }, scale = 1): string | null {
  const zxing = createRequire(path.resolve(__dirname, '../../client/package.json'))('@zxing/library') as {
    QRCodeReader: new () => { decode(bitmap: unknown): { getText(): string } };
    BinaryBitmap: new (binarizer: unknown) => unknown;
    HybridBinarizer: new (source: unknown) => unknown;
    RGBLuminanceSource: new (luminance: Uint8ClampedArray, width: number, height: number) => unknown;
  };
  const border = 40;
  const width = image.width * scale + 2 * border;
  const height = image.height * scale + 2 * border;
  const luminance = new Uint8ClampedArray(width * height).fill(255);
  for (let y = 0; y < image.height * scale; y += 1) {
    for (let x = 0; x < image.width * scale; x += 1) {
      const p = (Math.floor(y / scale) * image.width + Math.floor(x / scale)) * 4;
      luminance[(y + border) * width + x + border] =
        (image.data[p]! * 77 + image.data[p + 1]! * 150 + image.data[p + 2]! * 29) >> 8;
    }
  }
  const source = new zxing.RGBLuminanceSource(luminance, width, height);
  try {
    return new zxing.QRCodeReader().decode(new zxing.BinaryBitmap(new zxing.HybridBinarizer(source))).getText();
  } catch {
    return null;
  }
}
