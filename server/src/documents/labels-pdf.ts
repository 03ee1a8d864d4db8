import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { localize, type LabelDto, type LabelFormat, type LocalizedText } from '@karavan/shared';
import { drawQr, FONTS, type Doc } from './pdf';

/** The second language on a label, beside Russian. */
export type LabelLang = 'en' | 'ky' | 'kk';

const WORDS: Record<'ru' | LabelLang, { expires: string; to: string; shipment: string; none: string }> = {
  ru: { expires: 'Годен до', to: 'Куда', shipment: 'Рейс', none: 'без срока' },
  en: { expires: 'Expires', to: 'To', shipment: 'Shipment', none: 'no expiry' },
  ky: { expires: 'Жарактуу мөөнөтү', to: 'Кайда', shipment: 'Жүк', none: 'мөөнөтсүз' },
  kk: { expires: 'Жарамдылық мерзімі', to: 'Қайда', shipment: 'Жүк', none: 'мерзімсіз' },
};
const UNITS: Record<'ru' | LabelLang, Record<string, string>> = {
  ru: { loaf: 'бух.', litre: 'л', kg: 'кг', piece: 'шт.' },
  en: { loaf: 'loaves', litre: 'l', kg: 'kg', piece: 'pcs' },
  ky: { loaf: 'нан', litre: 'л', kg: 'кг', piece: 'даана' },
  kk: { loaf: 'нан', litre: 'л', kg: 'кг', piece: 'дана' },
};

export interface LabelSheet {
  labels: LabelDto[];
  itemNames: Map<string, LocalizedText>;
  destination: LocalizedText;
  shipmentId: string;
  lang: LabelLang;
}

const MM = 72 / 25.4;
/** 58 mm roll: the page is the paper's width; one label per page, 100 mm long. */
const THERMAL = { width: 58 * MM, height: 100 * MM, margin: 3 * MM };
/** A4: 2 columns x 4 rows of 99 x 67 mm labels, the sheets label printers and offices stock. */
const A4 = { cols: 2, rows: 4, margin: 8 * MM, gap: 3 * MM };

const both = (ru: string, other: string) => (ru === other ? ru : `${ru} / ${other}`);
const day = (iso: string | null) => (iso ? `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}` : null);

/**
 * The shipment's labels as a PDF: A4 sheets of 8, or 58 mm thermal roll labels, one per page.
 * Each: the item (Russian and the second language), the quantity, the expiry in large type, the
 * human code large, the signed QR code, the destination and shipment. `write()` draws label
 * after label (each QR code made just before it is drawn), so a finished page leaves at once
 * through whatever `doc` is piped to, and ends the document.
 */
export function labelsDocument(sheet: LabelSheet, format: LabelFormat): { doc: Doc; write(): Promise<void> } {
  const thermal = format === 'thermal58';
  const doc = new PDFDocument({
    size: thermal ? [THERMAL.width, THERMAL.height] : 'A4',
    // Margins are drawn by hand: text near a page's edge must never start a page of its own.
    margin: 0,
    lang: 'ru',
    autoFirstPage: false,
    info: { Title: `Этикетки / Labels ${sheet.shipmentId}`, Creator: 'Karavan', Producer: 'Karavan' },
  });
  doc.registerFont('regular', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);
  async function write(): Promise<void> {
    for (const [i, label] of sheet.labels.entries()) {
      // Let the finished pages leave (and other requests run) between labels.
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const qr = QRCode.create(label.qr, { errorCorrectionLevel: 'M' });
      if (thermal) {
        doc.addPage();
        drawThermal(doc, sheet, label, qr);
        continue;
      }
      const slot = i % (A4.cols * A4.rows);
      if (slot === 0) doc.addPage();
      const w = (doc.page.width - 2 * A4.margin - (A4.cols - 1) * A4.gap) / A4.cols;
      const h = (doc.page.height - 2 * A4.margin - (A4.rows - 1) * A4.gap) / A4.rows;
      const x = A4.margin + (slot % A4.cols) * (w + A4.gap);
      const y = A4.margin + Math.floor(slot / A4.cols) * (h + A4.gap);
      drawA4(doc, sheet, label, qr, { x, y, w, h });
    }
    doc.end();
  }
  return { doc, write };
}

function texts(sheet: LabelSheet, label: LabelDto) {
  const name = sheet.itemNames.get(label.itemId);
  const ru = WORDS.ru;
  const other = WORDS[sheet.lang];
  const itemRu = name ? localize(name, 'ru') : label.itemId;
  const itemOther = name ? localize(name, sheet.lang) : label.itemId;
  return {
    item: [itemRu, itemOther === itemRu ? null : itemOther] as const,
    quantity: `${label.quantity} ${UNITS.ru[label.unit] ?? label.unit}${
      sheet.lang !== 'en' && UNITS[sheet.lang][label.unit] === UNITS.ru[label.unit]
        ? ''
        : ` / ${UNITS[sheet.lang][label.unit] ?? label.unit}`
    }`,
    expiresWord: both(ru.expires, other.expires),
    expires: day(label.expiresAt) ?? both(ru.none, other.none),
    to: `${both(ru.to, other.to)}: ${both(localize(sheet.destination, 'ru'), localize(sheet.destination, sheet.lang))}`,
    shipment: `${both(ru.shipment, other.shipment)}: ${label.shipmentId}`,
  };
}

function drawA4(
  doc: Doc,
  sheet: LabelSheet,
  label: LabelDto,
  qr: QRCode.QRCode,
  box: { x: number; y: number; w: number; h: number },
) {
  const t = texts(sheet, label);
  const pad = 6;
  const qrSize = Math.min(box.h - 2 * pad - 26, 112);
  doc
    .save()
    .rect(box.x, box.y, box.w, box.h)
    .lineWidth(0.5)
    .dash(2, { space: 2 })
    .strokeColor('#888')
    .stroke()
    .restore();
  const left = box.x + pad;
  const width = box.w - 3 * pad - qrSize;
  drawQr(doc, qr, box.x + box.w - pad - qrSize, box.y + pad, qrSize);
  doc
    .fillColor('#000')
    .font('bold')
    .fontSize(11)
    .text(t.item[0], left, box.y + pad, { width, height: 28, ellipsis: true });
  if (t.item[1]) doc.font('regular').fontSize(8.5).text(t.item[1], left, doc.y, { width, height: 12, ellipsis: true });
  doc
    .font('bold')
    .fontSize(14)
    .text(t.quantity, left, doc.y + 2, { width });
  doc
    .font('regular')
    .fontSize(7.5)
    .text(t.expiresWord, left, doc.y + 3, { width });
  doc
    .font('bold')
    .fontSize(label.expiresAt ? 20 : 10)
    .text(t.expires, left, doc.y, { width, lineBreak: false });
  doc
    .font('regular')
    .fontSize(7)
    .text(t.to, left, box.y + box.h - pad - 44, { width, height: 18, ellipsis: true });
  doc.text(t.shipment, left, box.y + box.h - pad - 26, { width, lineBreak: false });
  doc
    .font('bold')
    .fontSize(17)
    .text(label.code, box.x + box.w - pad - qrSize - 40, box.y + box.h - pad - 18, {
      width: qrSize + 40,
      align: 'right',
      lineBreak: false,
    });
}

function drawThermal(doc: Doc, sheet: LabelSheet, label: LabelDto, qr: QRCode.QRCode) {
  const t = texts(sheet, label);
  const m = THERMAL.margin;
  const width = doc.page.width - 2 * m;
  doc.fillColor('#000').font('bold').fontSize(10).text(t.item[0], m, m, { width, height: 26, ellipsis: true });
  if (t.item[1]) doc.font('regular').fontSize(8).text(t.item[1], m, doc.y, { width, height: 11, ellipsis: true });
  doc
    .font('bold')
    .fontSize(13)
    .text(t.quantity, m, doc.y + 1, { width });
  doc
    .font('regular')
    .fontSize(7)
    .text(t.expiresWord, m, doc.y + 2, { width });
  const expiresTop = doc.y;
  doc
    .font('bold')
    .fontSize(label.expiresAt ? 20 : 10)
    .text(t.expires, m, expiresTop, { width, lineBreak: false });
  const qrSize = Math.min(width, 110);
  const qrTop = expiresTop + 28;
  drawQr(doc, qr, m + (width - qrSize) / 2, qrTop, qrSize);
  doc
    .font('bold')
    .fontSize(16)
    .text(label.code, m, qrTop + qrSize + 4, { width, align: 'center', lineBreak: false });
  doc
    .font('regular')
    .fontSize(6.5)
    .text(t.to, m, qrTop + qrSize + 24, { width, height: 16, ellipsis: true });
  doc.text(t.shipment, m, doc.y, { width, lineBreak: false });
}
