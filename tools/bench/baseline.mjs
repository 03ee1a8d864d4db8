// The baselines of `npm run bench`, forked by it: the same database work as Karavan's routes,
// done with the MongoDB driver directly on a bare `node:http` server (no auth, no validation, no
// logging, no middleware), plus a bare Express app with one route (what Express alone costs) and a
// bare Socket.io server (what a broadcast costs). Same database, same run, same machine.
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const express = require('express');
const { mongo } = require('mongoose');
const { Server } = require('socket.io');

const client = new mongo.MongoClient(process.env.MONGODB_URI);
await client.connect();
const db = client.db();
const shipments = db.collection('shipments');
const updates = db.collection('bench_baseline_updates');
const totals = db.collection('campaign_totals');
const balances = db.collection('balances');
const events = db.collection('bench_baseline_events');
const counters = db.collection('bench_baseline_counters');

const json = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
};
const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
const idOf = (id) => (/^[0-9a-f]{24}$/.test(id) ? new mongo.ObjectId(id) : id);

let io;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  (async () => {
    if (req.method === 'GET' && url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
    if (req.method === 'GET' && parts[0] === 'shipments' && parts.length === 2) {
      const doc = await shipments.findOne({ _id: idOf(parts[1]) });
      return doc ? json(res, 200, doc) : json(res, 404, { code: 'NOT_FOUND' });
    }
    if (req.method === 'POST' && url.pathname === '/updates') {
      // An idempotent insert: the client-made id is the _id; a repeat answers the first record.
      const body = await readBody(req);
      const record = {
        _id: body.id,
        shipmentId: body.shipmentId,
        status: body.status,
        at: body.at,
        createdAt: new Date(),
      };
      try {
        await updates.insertOne(record);
        return json(res, 201, record);
      } catch (err) {
        if (err.code !== 11000) throw err;
        return json(res, 200, await updates.findOne({ _id: body.id }));
      }
    }
    if (req.method === 'POST' && parts[0] === 'shipments' && parts[2] === 'updates' && parts.length === 3) {
      // The least a status update with Karavan's guarantees writes, done plainly (no checks, no
      // grouping): the update's record under its id (a copy is refused by the _id), the shipment
      // changed with the entry pushed onto its history (answered as it became), the live event's
      // seq and the event stored. `?only=shipment`: the shipment's write alone.
      const body = await readBody(req);
      const shipmentId = idOf(parts[1]);
      const at = new Date(body.at);
      const entry = { id: body.id, status: body.status, at, receivedAt: new Date(), applied: true };
      const only = url.searchParams.get('only');
      if (!only) {
        try {
          await updates.insertOne({ _id: body.id, shipmentId: parts[1], entry, createdAt: entry.receivedAt });
        } catch (err) {
          if (err.code !== 11000) throw err;
          return json(res, 200, await shipments.findOne({ _id: shipmentId }));
        }
      }
      const after = await shipments.findOneAndUpdate(
        { _id: shipmentId },
        { $set: { status: body.status, lastStatusAt: at }, $inc: { version: 1 }, $push: { history: entry } },
        { returnDocument: 'after' },
      );
      if (!after) return json(res, 404, { code: 'NOT_FOUND' });
      if (!only) {
        const counter = await counters.findOneAndUpdate(
          { _id: 'bench_events' },
          { $inc: { seq: 1 } },
          { upsert: true, returnDocument: 'after' },
        );
        await events.insertOne({ _id: `u${counter.seq}`, rooms: ['dashboard'], name: 'shipment.updated', entry });
      }
      return json(res, 201, after);
    }
    if (req.method === 'GET' && parts[0] === 'progress' && parts.length === 2) {
      return json(res, 200, await totals.find({ campaignId: parts[1] }).toArray());
    }
    if (req.method === 'GET' && url.pathname === '/stock') {
      const rows = await balances
        .find({ locationId: url.searchParams.get('locationId'), onHand: { $gt: 0 } })
        .toArray();
      return json(res, 200, rows);
    }
    // The lists of `npm run bench:scale`: the same indexed reads as Karavan's list routes.
    if (req.method === 'GET' && url.pathname === '/donations') {
      const rows = await db
        .collection('donations')
        .find({ locationId: url.searchParams.get('locationId') })
        .sort({ receivedAt: -1, _id: -1 })
        .limit(51)
        .toArray();
      return json(res, 200, rows);
    }
    if (req.method === 'GET' && url.pathname === '/movements') {
      const rows = await db
        .collection('movements')
        .find({ locationId: url.searchParams.get('locationId') })
        .sort({ at: -1, _id: -1 })
        .limit(101)
        .toArray();
      return json(res, 200, rows);
    }
    if (req.method === 'GET' && url.pathname === '/shipments') {
      const filter = { status: { $in: url.searchParams.getAll('status') } };
      const [rows, total] = await Promise.all([
        shipments.find(filter).sort({ createdAt: -1, _id: -1 }).limit(50).toArray(),
        shipments.countDocuments(filter),
      ]);
      return json(res, 200, { rows, total });
    }
    if (req.method === 'POST' && url.pathname === '/fanout') {
      const body = await readBody(req);
      const doc = { _id: body.id, at: new Date() };
      await events.insertOne(doc);
      json(res, 201, doc);
      // `pad`: as many more characters in the payload (to compare clients under Karavan's payload size).
      // `like`: a payload of Karavan's to send instead, with this update's id (the same parsing work).
      const pad = Number(body.pad) > 0 ? { pad: 'x'.repeat(Number(body.pad)) } : {};
      const payload = body.like
        ? { ...body.like, update: { ...body.like.update, id: body.id } }
        : { update: { id: body.id }, at: doc.at, ...pad };
      io.to('dashboard').emit('shipment.updated', payload);
      return undefined;
    }
    return json(res, 404, { code: 'NOT_FOUND' });
  })().catch((err) => json(res, 500, { code: 'INTERNAL', message: String(err) }));
});
io = new Server(server, { serveClient: false });
io.on('connection', (socket) => {
  socket.on('subscribe', (request, ack) => {
    void socket.join(request.room);
    if (typeof ack === 'function') ack({ ok: true, seq: 0 });
  });
});

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
const expressServer = http.createServer(app);

const listen = (s) =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${s.address().port}`)));
const urls = { http: await listen(server), express: await listen(expressServer) };
process.send({ ready: JSON.stringify(urls) });
process.on('SIGTERM', () => {
  io.close();
  expressServer.close();
  void client.close().finally(() => process.exit(0));
});
