import QRCode from 'qrcode';
import {
  STANDARD_DOCUMENTS,
  localize,
  type LocalizedText,
  type CampaignDto,
  type ItemDto,
  type LocationDto,
  type ShipmentDto,
} from '@karavan/shared';
import { dateTime, drawQr, drawSignature, fields, heading, newDocument, number, table, toBuffer } from './pdf';

/** A name in Russian and English, as the waybill is written ("Склад Бишкек / Bishkek warehouse"). */
const bilingual = (name: LocalizedText): string => {
  const ru = localize(name, 'ru');
  const en = localize(name, 'en');
  return ru === en ? ru : `${ru} / ${en}`;
};

const UNITS: Record<string, string> = { loaf: 'бух.', litre: 'л', kg: 'кг', piece: 'шт.' };

const STATUS: Record<string, string> = {
  planned: 'запланирована',
  loading: 'погрузка',
  departed: 'в пути',
  at_checkpoint: 'на КПП',
  arrived: 'прибыла',
  delivered: 'доставлена',
  cancelled: 'отменена',
};

export interface WaybillContext {
  shipment: ShipmentDto;
  campaign: CampaignDto;
  locations: Map<string, LocationDto>;
  items: Map<string, ItemDto>;
  driverName: string | null;
  /** The page the QR code opens. */
  url: string;
  /** The QR code's text: the URL and, after `#`, the signed manifest. */
  qr: string;
}

/**
 * The printable waybill (ТТН) of a shipment, in Russian with English labels, as border posts
 * and receivers on the Bishkek–Almaty road read it: parties and route, the manifest per item
 * and lot with expiry, the documents checklist, a QR code that opens the shipment, and
 * signature boxes for the sender, the driver and the receiver.
 */
export async function renderWaybill(ctx: WaybillContext): Promise<Buffer> {
  const { shipment: s, campaign, locations, items } = ctx;
  const doc = newDocument(`Накладная / Waybill ${s.id}`, 'ru');
  const place = (id: string) => {
    const l = locations.get(id);
    return l ? `${bilingual(l.name)}${l.address ? `, ${l.address}` : ''}` : id;
  };
  // The signed manifest makes a long code: low error correction keeps its modules printable, and
  // it is drawn as vector squares (sharp when printed, and quick: no image to render). A manifest
  // too long for any QR code (dozens of lines) leaves the code with the address alone.
  const qrOf = (text: string) => QRCode.create(text, { errorCorrectionLevel: 'L' });
  let qr: QRCode.QRCode;
  try {
    qr = qrOf(ctx.qr);
  } catch {
    qr = qrOf(ctx.url);
  }
  const top = doc.y;
  drawQr(doc, qr, doc.page.width - doc.page.margins.right - 110, top - 14, 110);
  doc.fontSize(7).text(ctx.url, doc.page.width - doc.page.margins.right - 260, top + 98, {
    width: 260,
    align: 'right',
    lineBreak: false,
  });
  doc.x = doc.page.margins.left;
  doc.y = top;
  doc.font('bold').fontSize(16).text('Товарно-транспортная накладная', { width: 380 });
  doc.font('regular').fontSize(10).text('Waybill · гуманитарный груз / humanitarian cargo', { width: 380 });
  doc.moveDown(0.5);
  fields(
    doc,
    [
      ['№ / No.', s.id],
      ['Кампания / Campaign', bilingual(campaign.name)],
      ['Статус / Status', `${STATUS[s.status] ?? s.status} (${s.status})`],
      ['Дата отправления / Departure', dateTime(s.departedAt ?? s.plannedDepartureAt, 'ru', campaign.timeZone)],
    ],
    10,
    370,
  );
  doc.y = Math.max(doc.y, top + 118);
  heading(doc, 'Маршрут / Route');
  fields(doc, [
    ['Отправитель / From', place(s.originId)],
    ...s.route.map((id, i): [string, string] => [`КПП ${i + 1} / Checkpoint`, place(id)]),
    ['Получатель / To', place(s.destinationId)],
    ['Водитель / Driver', ctx.driverName ?? '—'],
    [
      'Транспорт / Vehicle',
      s.vehicle
        ? `${s.vehicle.kind}, ${s.vehicle.plate}${s.vehicle.capacityKg ? `, ${number(s.vehicle.capacityKg, 'ru')} кг` : ''}`
        : '—',
    ],
  ]);

  heading(doc, 'Груз / Manifest');
  const rows: string[][] = [];
  let n = 0;
  for (const line of s.lines) {
    const item = items.get(line.itemId);
    const name = item ? `${item.name.ru} / ${item.name.en}` : line.itemId;
    const unit = item ? (UNITS[item.baseUnit] ?? item.baseUnit) : '';
    const lots = line.lots.length > 0 ? line.lots : [{ lotId: '—', quantity: line.quantity, expiresAt: null }];
    for (const [k, lot] of lots.entries()) {
      n += 1;
      rows.push([
        String(n),
        name,
        lot.lotId,
        dateTime(lot.expiresAt, 'ru', campaign.timeZone, false),
        `${number(lot.quantity, 'ru')} ${unit}`,
        // Received is counted per item, not per lot: on the item's first row.
        line.received === null || k > 0 ? '' : `${number(line.received, 'ru')} ${unit}`,
      ]);
    }
  }
  table(
    doc,
    [
      { header: '№', width: 22, align: 'right' },
      { header: 'Товар / Item', width: 112 },
      { header: 'Партия / Lot', width: 150 },
      { header: 'Годен до / Expires', width: 79 },
      { header: 'Отправлено / Sent', width: 74, align: 'right' },
      { header: 'Принято (товар) / Received (item)', width: 74, align: 'right' },
    ],
    rows,
    8.5,
  );
  const total = s.lines.reduce((t, l) => t + l.quantity, 0);
  doc.fontSize(9).text(`Итого позиций / Lines: ${s.lines.length}; всего единиц / units: ${number(total, 'ru')}`);
  const short = s.lines.filter((l) => (l.writtenOff ?? 0) > 0);
  for (const l of short) {
    const item = items.get(l.itemId);
    doc.text(
      `Недостача / Shortfall: ${item?.name.ru ?? l.itemId} — ${number(l.writtenOff!, 'ru')} (${l.reason ?? ''})`,
    );
  }
  doc.moveDown(0.8);

  heading(doc, 'Документы / Documents');
  doc.fontSize(10);
  for (const d of s.documents) {
    const label = STANDARD_DOCUMENTS[d.key]
      ? `${STANDARD_DOCUMENTS[d.key]!.ru} / ${STANDARD_DOCUMENTS[d.key]!.en}`
      : d.label;
    const y = doc.y;
    doc
      .rect(doc.page.margins.left, y + 1, 9, 9)
      .lineWidth(0.8)
      .strokeColor('#000')
      .stroke();
    if (d.checked)
      doc
        .font('bold')
        .text('✓', doc.page.margins.left + 1, y - 1)
        .font('regular');
    doc.text(label, doc.page.margins.left + 16, y);
    doc.x = doc.page.margins.left;
  }
  doc.moveDown(1.2);

  if (doc.y > doc.page.height - 170) doc.addPage();
  heading(doc, 'Подписи / Signatures');
  const boxes = ['Сдал / Sender', 'Водитель / Driver', 'Принял / Receiver'];
  const width = (doc.page.width - doc.page.margins.left - doc.page.margins.right - 20) / 3;
  const y = doc.y;
  boxes.forEach((label, i) => {
    const x = doc.page.margins.left + i * (width + 10);
    doc.rect(x, y, width, 80).lineWidth(0.8).strokeColor('#000').stroke();
    doc.fontSize(8).text(label, x + 4, y + 4, { width: width - 8 });
    doc.fontSize(7).text('ФИО, подпись, дата / name, signature, date', x + 4, y + 62, { width: width - 8 });
    // The receiver's box: the name and the signature drawn on the driver's phone at delivery.
    if (i === 2 && s.receiver) {
      doc.fontSize(8).text(s.receiver.name, x + 4, y + 14, { width: width - 8, lineBreak: false, ellipsis: true });
      if (s.receiver.signature) drawSignature(doc, s.receiver.signature, x + 4, y + 24, width - 8, 36);
    }
  });
  doc.x = doc.page.margins.left;
  doc.y = y + 90;
  doc.fillColor('#000').strokeColor('#000');
  if (s.receivedBy)
    doc.fontSize(9).text(`Получил / Received by: ${s.receivedBy}, ${dateTime(s.deliveredAt, 'ru', campaign.timeZone)}`);
  if (s.receiver?.signature) doc.fontSize(9).text('Подпись получателя на телефоне / Signed on the phone at delivery');
  if (s.scannedLabels.length > 0)
    doc.fontSize(9).text(`Принято по этикеткам / Received by scanning: ${s.scannedLabels.length} ящ. / crates`);
  if (s.receipt)
    doc
      .fontSize(9)
      .text(
        `Получение подтверждено / Receipt confirmed: ${s.receipt.name}, ${dateTime(s.receipt.at, 'ru', campaign.timeZone)}`,
      );
  doc.fontSize(9).text(`Фото / Photos: ${s.photos.length}`);
  return toBuffer(doc);
}
