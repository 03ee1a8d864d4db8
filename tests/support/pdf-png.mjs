// Renders the pages of the PDF read from stdin to PNG files (pdf-parse, i.e. PDF.js on
// @napi-rs/canvas): `node pdf-png.mjs out-prefix` writes out-prefix-1.png, ... and prints their
// paths. Run as a child process, like pdf-text.mjs (PDF.js loads its worker with a dynamic import).
import { writeFileSync } from 'node:fs';
import { PDFParse } from 'pdf-parse';

const prefix = process.argv[2];
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const parser = new PDFParse({ data: new Uint8Array(Buffer.concat(chunks)) });
try {
  const shot = await parser.getScreenshot({ scale: 1.5, imageDataUrl: false });
  for (const page of shot.pages) {
    const file = `${prefix}-${page.pageNumber}.png`;
    writeFileSync(file, page.data);
    process.stdout.write(`${file}\n`);
  }
} finally {
  await parser.destroy();
}
