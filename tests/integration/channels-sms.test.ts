import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import request from 'supertest';
import type { ItemDto, ShipmentDto } from '@karavan/shared';
import { User } from '../../server/src/users/users.model';
import { startTestApp, type TestApp } from '../support/app';
import { buildCampaign, buildItem, buildLocation, buildVolunteer } from '../support/catalogue';
import { signedIn } from '../support/factories';
import { receiveStock, inDays, sendUpdate } from '../support/shipments';

// POST /api/channels/sms/webhook, as an "SMS Gateway for Android" phone calls it, against a fake
// gateway started here that records the SMS the server sends back through its API.

const SECRET = 'webhook-signing-key-for-tests';
const GATEWAY_USER = 'sms';
const GATEWAY_PASSWORD = 'gateway-password';

interface SentSms {
  authorization: string | undefined;
  to: string[];
  text: string;
}

/** The gateway's API: POST /message with basic auth, recorded. */
async function startFakeGateway() {
  const sent: SentSms[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/message') {
        res.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body) as { textMessage: { text: string }; phoneNumbers: string[] };
      sent.push({ authorization: req.headers.authorization, to: parsed.phoneNumbers, text: parsed.textMessage.text });
      res
        .writeHead(202, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ id: randomUUID(), state: 'Pending' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, sent, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
let app: TestApp;
beforeAll(async () => {
  gateway = await startFakeGateway();
  app = await startTestApp({
    SMS_GATEWAY_URL: gateway.url,
    SMS_GATEWAY_USER: GATEWAY_USER,
    SMS_GATEWAY_PASSWORD: GATEWAY_PASSWORD,
    SMS_WEBHOOK_SECRET: SECRET,
  });
});
afterAll(async () => {
  await app.close();
  await gateway.close();
});

let clock = Date.now();
/** What the phone posts when an SMS arrives (its `receivedAt` one second after the last). */
function smsEvent(phoneNumber: string, message: string) {
  clock += 1000;
  return {
    deviceId: 'ffffffffceb0b1db00000193991c27e5',
    event: 'sms:received',
    id: randomUUID(),
    webhookId: 'LreFUt-Z3sSq0JufY9uWB',
    payload: {
      messageId: randomUUID().slice(0, 8),
      message,
      phoneNumber,
      simNumber: 1,
      receivedAt: new Date(clock).toISOString(),
    },
  };
}

/** Posts an event as the gateway does: X-Signature = hex HMAC-SHA256(key, raw body + X-Timestamp). */
function deliver(event: object, options: { key?: string; timestamp?: number; unsigned?: boolean } = {}) {
  const raw = JSON.stringify(event);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', options.key ?? SECRET)
    .update(raw + timestamp)
    .digest('hex');
  const req = request(app.url).post('/api/channels/sms/webhook').set('Content-Type', 'application/json');
  return (options.unsigned ? req : req.set('X-Signature', signature).set('X-Timestamp', timestamp)).send(raw);
}

/** The SMS sent to a number, waiting until there are `count`. */
async function repliesTo(phone: string, count: number): Promise<string[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const texts = gateway.sent.filter((s) => s.to.includes(phone)).map((s) => s.text);
    if (texts.length >= count || Date.now() > deadline) return texts;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function channelStatus(auth: Record<string, string>) {
  const res = await request(app.url).get('/api/channels/status').set(auth).expect(200);
  return res.body as { sms: Record<string, number | boolean> };
}

const setPhone = (userId: string, phone: string) => User.updateOne({ _id: userId }, { $set: { phone } });

/** A drive with bread and milk, a collection point whose contact is the coordinator, a checkpoint, a distribution point. */
async function buildDrive() {
  const [organiser, coordinator, driver, otherDriver] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
    signedIn(app.url, { role: 'driver' }),
    signedIn(app.url, { role: 'driver', locale: 'en' }),
  ]);
  const n = Math.floor(Math.random() * 900) + 100;
  const phones = { coordinator: `+996 555 ${n} 001`, driver: `+996 555 ${n} 002`, otherDriver: `+7 701 ${n} 0003` };
  await Promise.all([
    setPhone(coordinator.user.id, phones.coordinator),
    setPhone(driver.user.id, phones.driver),
    setPhone(otherDriver.user.id, phones.otherDriver),
  ]);
  const suffix = `${n}`;
  const bread: ItemDto = await buildItem({
    name: { ru: `Хлеб`, en: `Bread`, ky: 'Нан', kk: 'Нан' },
    baseUnit: 'loaf',
    packs: [{ unit: 'tray', size: 20 }],
    shelfLifeHours: 72,
  });
  const milk: ItemDto = await buildItem({
    name: { ru: 'Молоко', en: 'Milk', ky: 'Сүт', kk: 'Сүт' },
    packs: [{ unit: 'crate', size: 12 }],
  });
  const [origin, checkpoint, destination] = await Promise.all([
    buildLocation({ name: `Пункт ${suffix}`, contact: { name: 'Координатор', phone: phones.coordinator } }),
    buildLocation({ name: `Кордай ${suffix}`, kind: 'checkpoint' }),
    buildLocation({ name: `Алматы ${suffix}`, kind: 'distribution_point' }),
  ]);
  const campaign = await buildCampaign({
    public: true,
    targets: [
      { itemId: bread.id, quantity: 15_000 },
      { itemId: milk.id, quantity: 15_000 },
    ],
  });
  await receiveStock({
    locationId: origin.id,
    campaignId: campaign.id,
    itemId: bread.id,
    quantity: 500,
    expiresAt: inDays(3),
  });
  const res = await request(app.url)
    .post('/api/shipments')
    .set(coordinator.auth)
    .send({
      campaignId: campaign.id,
      originId: origin.id,
      destinationId: destination.id,
      driverId: driver.user.id,
      route: [checkpoint.id],
      lines: [{ itemId: bread.id, quantity: 500 }],
    })
    .expect(201);
  const shipment = res.body as ShipmentDto;
  return { organiser, coordinator, driver, otherDriver, phones, bread, milk, origin, campaign, shipment };
}

const wire = (phone: string) => phone.replace(/[^\d+]/g, '');

describe('POST /api/channels/sms/webhook', () => {
  let drive: Awaited<ReturnType<typeof buildDrive>>;
  beforeAll(async () => {
    drive = await buildDrive();
  });

  test('When a request is not signed, signed with another key or signed long ago, then it is 401 and nothing is counted', async () => {
    const event = smsEvent(wire(drive.phones.driver), 'КПП');
    expect((await deliver(event, { unsigned: true })).status).toBe(401);
    expect((await deliver(event, { key: 'another-key-entirely' })).status).toBe(401);
    expect((await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    const status = await channelStatus(drive.organiser.auth);
    expect(status.sms).toMatchObject({ configured: true, accepted: 0, dropped: 0 });
    const shipment = await request(app.url).get(`/api/shipments/${drive.shipment.id}`).set(drive.coordinator.auth);
    expect(shipment.body.status).toBe('planned');
  });

  test('When an unknown number writes, then it is dropped, counted for organisers, and gets no reply', async () => {
    const res = await deliver(smsEvent('+996700999888', '+500 хлеб'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'dropped' });
    expect((await channelStatus(drive.organiser.auth)).sms.dropped).toBe(1);
    expect(gateway.sent.filter((s) => s.to.includes('+996700999888'))).toEqual([]);
    // Coordinators do not see the counters.
    await request(app.url).get('/api/channels/status').set(drive.coordinator.auth).expect(403);
  });

  test('When a driver reports by SMS, then their own shipment moves once even when the gateway delivers it twice, and each status gets one reply', async () => {
    const { coordinator, driver, phones, shipment } = drive;
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading').expect(200);
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'departed').expect(200);
    const from = wire(phones.driver);

    const border = smsEvent(from, 'я на КПП');
    expect((await deliver(border)).body).toEqual({ status: 'processed' });
    expect((await deliver(border)).body).toEqual({ status: 'duplicate' });
    expect((await deliver(smsEvent(from, 'выехал'))).body).toEqual({ status: 'processed' });
    expect((await deliver(smsEvent(from, 'прибыл'))).body).toEqual({ status: 'processed' });
    const delivered = smsEvent(from, 'сдал 480 хлеб, 20 испорчено');
    expect((await deliver(delivered)).body).toEqual({ status: 'processed' });
    expect((await deliver(delivered)).body).toEqual({ status: 'duplicate' });

    const after = (await request(app.url).get(`/api/shipments/${shipment.id}`).set(driver.auth).expect(200))
      .body as ShipmentDto;
    expect(after.history.map((h) => [h.status, h.actorId === driver.user.id])).toEqual([
      ['loading', false],
      ['departed', false],
      ['at_checkpoint', true],
      ['departed', true],
      ['arrived', true],
      ['delivered', true],
    ]);
    expect(after.history[2]!.note).toBe('SMS: я на КПП');
    expect(after.lines[0]).toMatchObject({ quantity: 500, received: 480, writtenOff: 20, reason: 'spoiled' });

    const replies = await repliesTo(from, 4);
    expect(replies).toHaveLength(4);
    expect(replies[0]).toMatch(/^Принято: на КПП \(Пункт \d+ → Алматы \d+\)\.$/);
    expect(replies[3]).toMatch(/^Принято: сдан/);
    expect(
      gateway.sent.every(
        (s) => s.authorization === `Basic ${Buffer.from(`${GATEWAY_USER}:${GATEWAY_PASSWORD}`).toString('base64')}`,
      ),
    ).toBe(true);
    expect((await channelStatus(drive.organiser.auth)).sms).toMatchObject({ duplicates: 2 });

    // The channel's own record of the message lost (a crash between the shipment's update and
    // it): a copy is sent to the shipment again under the same update id, which counts it once.
    await mongoose.connection.collection('channel_messages').deleteMany({});
    expect((await deliver(border)).body).toEqual({ status: 'processed' });
    const again = (await request(app.url).get(`/api/shipments/${shipment.id}`).set(driver.auth).expect(200))
      .body as ShipmentDto;
    expect(again.history).toEqual(after.history);
    expect((await repliesTo(from, 5))[4]).toBe(replies[0]);
  });

  test("When another driver reports by SMS, then nobody else's shipment moves and they are told in their language", async () => {
    const from = wire(drive.phones.otherDriver);
    expect((await deliver(smsEvent(from, 'arrived'))).body).toEqual({ status: 'processed' });
    expect(await repliesTo(from, 1)).toEqual(['You have no current shipment for this status.']);
    // A driver records no donation, and is told so at once rather than asked to confirm a typo.
    await deliver(smsEvent(from, '+500 bred')).expect(200);
    expect((await repliesTo(from, 2))[1]).toBe('This command is not for your role.');
  });

  test('When a coordinator writes "+20 ящ молоко", then the donation is recorded at their point at once and confirmed by SMS', async () => {
    const { coordinator, phones, milk, origin, campaign } = drive;
    const from = wire(phones.coordinator);
    const event = smsEvent(from, '+20 ящ молоко');
    expect((await deliver(event)).body).toEqual({ status: 'processed' });
    expect((await deliver(event)).body).toEqual({ status: 'duplicate' });
    const list = await request(app.url)
      .get('/api/donations')
      .query({ locationId: origin.id })
      .set(coordinator.auth)
      .expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({
      campaignId: campaign.id,
      receivedBy: coordinator.user.id,
      lines: [{ itemId: milk.id, quantity: 240 }],
    });
    expect(await repliesTo(from, 1)).toEqual([`Записано: Молоко 240 л (20 ящ) — ${origin.name.ru}. Спасибо!`]);
  });

  test('When an organiser set where a coordinator works, then their donation by SMS is recorded at that point', async () => {
    const { organiser, milk, campaign } = drive;
    const other = await signedIn(app.url, { role: 'coordinator' });
    const phone = `+996 555 ${Math.floor(Math.random() * 900) + 100} 777`;
    await setPhone(other.user.id, phone);
    const place = await buildLocation({ name: `Склад-пункт ${Date.now()}` });
    await request(app.url)
      .patch(`/api/users/${other.user.id}`)
      .set(organiser.auth)
      .send({ locationIds: [place.id] })
      .expect(200);
    expect((await deliver(smsEvent(wire(phone), '+20 ящ молоко'))).body).toEqual({ status: 'processed' });
    const list = await request(app.url).get('/api/donations').query({ locationId: place.id }).set(organiser.auth);
    expect(list.body.items).toEqual([
      expect.objectContaining({ campaignId: campaign.id, lines: [expect.objectContaining({ itemId: milk.id })] }),
    ]);
  });

  test('When a coordinator\'s message has a typo, then nothing is recorded until they answer "да", and a second "да" does nothing', async () => {
    const { coordinator, phones, bread, origin } = drive;
    const from = wire(phones.coordinator);
    const donations = async () =>
      (await request(app.url).get('/api/donations').query({ locationId: origin.id }).set(coordinator.auth)).body
        .items as { lines: { itemId: string; quantity: number }[] }[];
    const before = gateway.sent.filter((s) => s.to.includes(from)).length;

    await deliver(smsEvent(from, '+500 хлеп')).expect(200);
    expect(await donations()).toHaveLength(1);
    const [asked] = (await repliesTo(from, before + 1)).slice(before);
    expect(asked).toBe('Понял так: Хлеб 500 бух. Верно? Ответьте ДА или НЕТ.');

    await deliver(smsEvent(from, 'да')).expect(200);
    const after = await donations();
    expect(after).toHaveLength(2);
    expect(after.some((d) => d.lines[0]!.itemId === bread.id && d.lines[0]!.quantity === 500)).toBe(true);
    await deliver(smsEvent(from, 'Да')).expect(200);
    expect(await donations()).toHaveLength(2);
    const replies = (await repliesTo(from, before + 3)).slice(before);
    expect(replies.slice(1)).toEqual([`Записано: Хлеб 500 бух — ${origin.name.ru}. Спасибо!`, 'Нечего подтверждать.']);
  });

  test('When a volunteer without an account asks what is needed, then the reply lists the needs in their language', async () => {
    await buildVolunteer({ phone: '+7 702 555 4433', languages: ['kk'] });
    const from = '+77025554433';
    expect((await deliver(smsEvent(from, 'не қажет?'))).body).toEqual({ status: 'processed' });
    const [reply] = await repliesTo(from, 1);
    expect(reply).toMatch(/^Керек: (Сүт|Нан) \d+ (л|бөлке), (Сүт|Нан) \d+ (л|бөлке)\.$/);
    // They may not record anything.
    await deliver(smsEvent(from, '+500 нан')).expect(200);
    expect((await repliesTo(from, 2))[1]).toBe('Бұл пәрмен сіздің рөліңізге арналмаған.');
  });

  test('When the channel is not configured, then the webhook is 404 and the status says it is off', async () => {
    const off = await startTestApp();
    try {
      const raw = JSON.stringify(smsEvent('+996555000000', 'КПП'));
      const res = await request(off.url)
        .post('/api/channels/sms/webhook')
        .set('Content-Type', 'application/json')
        .send(raw);
      expect(res.status).toBe(404);
      const organiser = await signedIn(off.url, { role: 'organiser' });
      const status = await request(off.url).get('/api/channels/status').set(organiser.auth).expect(200);
      expect(status.body.sms.configured).toBe(false);
    } finally {
      await off.close();
    }
  });
});
