// Renders the PDF read from stdin page by page (PDF.js through pdf-parse, drawn on @napi-rs/canvas)
// into PNGs `<outDir>/<prefix>-<page>.png`, and with `grey`, each page's grey levels (one byte a
// pixel, white paper) into `<png>.grey`, for the test to read its QR code with the phones' reader
// (qr-read.ts; decoding a PNG in Jest takes half a second a page) and delete. Prints JSON:
// [{ page, width, height, file, grey?: { file, width, height } }]. Run as a child process, as
// pdf-text.mjs is (PDF.js's worker import).
// Usage: node pdf-render.mjs <outDir> <prefix> [scale] [grey]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { PDFParse } from 'pdf-parse';

// The canvas PDF.js draws on (pdf-parse's own copy).
const { createCanvas, loadImage } = createRequire(createRequire(import.meta.url).resolve('pdf-parse'))(
  '@napi-rs/canvas',
);

const [outDir, prefix, scaleArg, greyArg] = process.argv.slice(2);
if (!outDir || !prefix) throw new Error('usage: pdf-render.mjs <outDir> <prefix> [scale]');

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
    pages.push({
      page: shot.pageNumber,
      width: shot.width,
      height: shot.height,
      file,
      ...(greyArg === 'grey' ? { grey: await grey(shot.data, file) } : {}),
    });
  }
} finally {
  await parser.destroy();
}
process.stdout.write(JSON.stringify(pages));

/** Writes the PNG's grey levels (transparent is white paper) next to it; returns where and their size. */
async function grey(png, file) {
  const image = await loadImage(Buffer.from(png));
  const { width, height } = image;
  const context = createCanvas(width, height).getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, width, height);
  const levels = Buffer.alloc(width * height);
  for (let i = 0, p = 0; i < levels.length; i += 1, p += 4) {
    levels[i] = (data[p] * 77 + data[p + 1] * 150 + data[p + 2] * 29) >> 8;
  }
  fs.writeFileSync(`${file}.grey`, levels);
  return { file: `${file}.grey`, width, height };
}
