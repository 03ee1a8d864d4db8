// Renders the PDF read from stdin page by page (PDF.js through pdf-parse, drawn on @napi-rs/canvas)
// into PNGs `<outDir>/<prefix>-<page>.png`, and reads the QR code on each page with ZXing (the
// reader the phones fall back to). Prints JSON: [{ page, width, height, file, qr }] where `qr` is
// the decoded text or null. Run as a child process, as pdf-text.mjs is (PDF.js's worker import).
// Usage: node pdf-render.mjs <outDir> <prefix> [scale]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { PDFParse } from 'pdf-parse';

const [outDir, prefix, scaleArg] = process.argv.slice(2);
if (!outDir || !prefix) throw new Error('usage: pdf-render.mjs <outDir> <prefix> [scale]');
// The canvas PDF.js draws on, and ZXing from the client's workspace (the phones' own copy).
const fromPdfParse = createRequire(createRequire(import.meta.url).resolve('pdf-parse'));
const { createCanvas, loadImage } = fromPdfParse('@napi-rs/canvas');
const fromClient = createRequire(path.resolve(import.meta.dirname, '../../client/package.json'));
const { BinaryBitmap, HybridBinarizer, QRCodeReader, RGBLuminanceSource } = fromClient('@zxing/library');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const parser = new PDFParse({ data: new Uint8Array(Buffer.concat(chunks)) });
fs.mkdirSync(outDir, { recursive: true });
const pages = [];
try {
  const shots = await parser.getScreenshot({ scale: Number(scaleArg ?? 2), imageBuffer: true, imageDataUrl: false });
  for (const shot of shots.pages) {
    const file = path.join(outDir, `${prefix}-${shot.pageNumber}.png`);
    fs.writeFileSync(file, shot.data);
    pages.push({ page: shot.pageNumber, width: shot.width, height: shot.height, file, qr: await readQr(shot.data) });
  }
} finally {
  await parser.destroy();
}
process.stdout.write(JSON.stringify(pages));

/** The text of the QR code in a PNG, or null: tried at several sizes, as the phones do (ZXing's port misses a dense code at one size now and then). */
async function readQr(png) {
  const image = await loadImage(Buffer.from(png));
  for (const scale of [1, 1 / 2, 1 / 3, 2 / 5, 3 / 4, 1 / 4]) {
    const width = Math.round(image.width * scale);
    const height = Math.round(image.height * scale);
    const context = createCanvas(width, height).getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, width, height);
    context.drawImage(image, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, width, height);
    const luminance = new Uint8ClampedArray(width * height);
    for (let i = 0, p = 0; i < luminance.length; i += 1, p += 4) {
      luminance[i] = (data[p] * 77 + data[p + 1] * 150 + data[p + 2] * 29) >> 8;
    }
    try {
      return new QRCodeReader()
        .decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height))))
        .getText();
    } catch {
      // not found at this size; try the next
    }
  }
  return null;
}
