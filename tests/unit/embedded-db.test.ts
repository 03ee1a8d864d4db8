import { ensureEmbeddedDbBinary, EmbeddedDbError } from '../../server/src/db/embedded-db';

describe('The embedded database launcher', () => {
  test('When Go is missing and nothing is built, then it fails at once naming the three ways forward', async () => {
    const saved = { PATH: process.env.PATH, BIN: process.env.KARAVAN_EMBEDDED_DB_BIN };
    process.env.PATH = '/nonexistent';
    process.env.KARAVAN_EMBEDDED_DB_BIN = '/nonexistent/karavan-embedded-db';
    try {
      const failure = ensureEmbeddedDbBinary();
      await expect(failure).rejects.toBeInstanceOf(EmbeddedDbError);
      await expect(failure).rejects.toThrow(/install Go[\s\S]*MONGODB_URI[\s\S]*docker compose up/);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.BIN === undefined) delete process.env.KARAVAN_EMBEDDED_DB_BIN;
      else process.env.KARAVAN_EMBEDDED_DB_BIN = saved.BIN;
    }
  });
});
