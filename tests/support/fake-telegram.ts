import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Bot API call the fake received. */
export interface BotCall {
  method: string;
  payload: Record<string, unknown>;
  /** The id of the message a sendMessage made. */
  messageId?: number;
}

/**
 * A fake Telegram Bot API on a local port (the bot's TELEGRAM_API_ROOT points at it): answers
 * getMe, sendMessage and editMessageText as Telegram does, and records every call. `deleted`
 * message ids answer an edit as a message deleted in the channel would.
 */
export async function startFakeTelegram(token: string) {
  const calls: BotCall[] = [];
  const deleted = new Set<number>();
  let nextMessageId = 100;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      if (!match || match[1] !== token) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
      const method = match[2]!;
      const payload = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const call: BotCall = { method, payload };
      calls.push(call);
      const chat = { id: payload.chat_id, type: typeof payload.chat_id === 'number' ? 'private' : 'channel' };
      const date = Math.floor(Date.now() / 1000);
      switch (method) {
        case 'getMe':
          return reply(200, {
            ok: true,
            result: { id: 4242, is_bot: true, first_name: 'Karavan', username: 'karavan_test_bot' },
          });
        case 'sendMessage':
          call.messageId = nextMessageId++;
          return reply(200, { ok: true, result: { message_id: call.messageId, date, chat, text: payload.text } });
        case 'editMessageText': {
          const id = payload.message_id as number;
          if (deleted.has(id))
            return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' });
          return reply(200, { ok: true, result: { message_id: id, date, edit_date: date, chat, text: payload.text } });
        }
        case 'answerCallbackQuery':
        case 'editMessageReplyMarkup':
          return reply(200, { ok: true, result: true });
        default:
          return reply(400, { ok: false, error_code: 400, description: `Bad Request: fake has no ${method}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    deleted,
    /** The calls of one method, optionally to one chat. */
    of(method: string, chatId?: string | number): BotCall[] {
      return calls.filter((c) => c.method === method && (chatId === undefined || c.payload.chat_id === chatId));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type FakeTelegram = Awaited<ReturnType<typeof startFakeTelegram>>;
