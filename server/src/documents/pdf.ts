import PDFDocument from 'pdfkit';
import type QRCode from 'qrcode';

/*
 * PDF building blocks shared by the waybill, the receipt and the campaign summary. Text is set
 * in DejaVu Sans, embedded from the `dejavu-fonts-ttf` npm package (Cyrillic, Latin and the
 * Kazakh and Kyrgyz letters), so a document looks the same on every server without system fonts.
 */

const font = (file: string) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`);
export const FONTS = { regular: font('DejaVuSans.ttf'), bold: font('DejaVuSans-Bold.ttf') };

export type Doc = PDFKit.PDFDocument;

/** A new A4 document with the fonts registered and the title in its metadata. */
export function newDocument(title: string, lang: string): Doc {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 42,
    lang,
    displayTitle: true,
    info: { Title: title, Creator: 'Karavan', Producer: 'Karavan' },
    bufferPages: true,
  });
  doc.registerFont('regular', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);
  doc.font('regular');
  return doc;
}

/** Ends the document and resolves with its bytes (documents are a few pages: kept in memory). */
export function toBuffer(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right' | 'center';
}

/** A table with a bold header row and thin rules; breaks pages (repeating the header) as needed. */
export function table(doc: Doc, columns: Column[], rows: string[][], size = 9): void {
  const left = doc.page.margins.left;
  const drawRow = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'bold' : 'regular').fontSize(size);
    const height = Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: columns[i]!.width - 6 }))) + 6;
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      if (!bold)
        drawRow(
          columns.map((c) => c.header),
          true,
        );
    }
    const y = doc.y;
    let x = left;
    cells.forEach((cell, i) => {
      const col = columns[i]!;
      doc.text(cell, x + 3, y + 3, { width: col.width - 6, align: col.align ?? 'left' });
      x += col.width;
    });
    doc
      .moveTo(left, y + height)
      .lineTo(x, y + height)
      .lineWidth(bold ? 1 : 0.4)
      .strokeColor('#555')
      .stroke();
    doc.x = left;
    doc.y = y + height;
  };
  drawRow(
    columns.map((c) => c.header),
    true,
  );
  for (const row of rows) drawRow(row, false);
  doc.font('regular').moveDown(0.5);
}

/** A heading in bold. */
export function heading(doc: Doc, text: string, size = 12): void {
  doc.x = doc.page.margins.left;
  doc.font('bold').fontSize(size).text(text).font('regular').moveDown(0.3);
}

/** Label: value lines (within `width` points when given). */
export function fields(doc: Doc, pairs: [string, string][], size = 10, width?: number): void {
  doc.fontSize(size);
  for (const [label, value] of pairs) {
    doc.x = doc.page.margins.left;
    doc
      .font('bold')
      .text(`${label}: `, { continued: true, ...(width ? { width } : {}) })
      .font('regular')
      .text(value || '—', width ? { width } : {});
  }
  doc.moveDown(0.5);
}

const INTL_LOCALE: Record<string, string> = { ru: 'ru-RU', en: 'en-GB', ky: 'ky-KG', kk: 'kk-KZ' };

/**
 * A date (and time) on the clock of `zone`, the campaign's time zone: a donation at 04:25 UTC is
 * printed 10:25 for a Bishkek campaign. The zone is named after the time, so nobody has to guess.
 */
export const dateTime = (d: Date | string | null | undefined, lang: string, zone: string, withTime = true): string => {
  if (!d) return '—';
  return (
    new Intl.DateTimeFormat(INTL_LOCALE[lang] ?? 'ru-RU', {
      dateStyle: 'medium',
      ...(withTime ? { timeStyle: 'short', hourCycle: 'h23' } : {}),
      timeZone: zone,
    }).format(new Date(d)) + (withTime ? ` (${zone})` : '')
  );
};

export const number = (n: number, lang: string) => new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'ru-RU').format(n);

/**
 * A QR code drawn as vector squares (each row's runs of dark modules as one rectangle): sharp on
 * a 203 dpi thermal head and on an office printer alike, and small in the file. Drawn within
 * `size` with a two-module quiet zone.
 */
export function drawQr(doc: Doc, qr: QRCode.QRCode, x: number, y: number, size: number): void {
  const n = qr.modules.size;
  // Two modules of quiet zone on each side, inside `size`.
  const cell = size / (n + 4);
  x += 2 * cell;
  y += 2 * cell;
  for (let row = 0; row < n; row += 1) {
    let start = -1;
    for (let col = 0; col <= n; col += 1) {
      const dark = col < n && qr.modules.get(row, col) === 1;
      if (dark && start < 0) start = col;
      if (!dark && start >= 0) {
        doc.rect(x + start * cell, y + row * cell, (col - start) * cell, cell);
        start = -1;
      }
    }
  }
  doc.fillColor('#000').fill();
}

/** The box a drawn signature's path is in (the phone's signature pad): 300 x 120. */
export const SIGNATURE_BOX = { width: 300, height: 120 };

/**
 * A signature drawn on a phone (SVG path data of moves and lines, in SIGNATURE_BOX) scaled into
 * the rectangle at (x, y), as vector lines.
 */
export function drawSignature(doc: Doc, path: string, x: number, y: number, width: number, height: number): void {
  const k = Math.min(width / SIGNATURE_BOX.width, height / SIGNATURE_BOX.height);
  doc.save();
  doc.translate(x, y).scale(k);
  // About 1.2 pt on paper, whatever the scale.
  doc
    .path(path)
    .lineWidth(1.2 / k)
    .lineCap('round')
    .lineJoin('round')
    .strokeColor('#1a237e')
    .stroke();
  doc.restore();
}
