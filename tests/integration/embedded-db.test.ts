import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDb } from '../../server/src/db/embedded-db';

describe('The embedded database', () => {
  test('When a second database starts on a directory in use, then it is refused; once the first stops, it starts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-lock-'));
    try {
      const first = await startEmbeddedDb({ dir });
      expect(first.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
      await expect(startEmbeddedDb({ dir })).rejects.toThrow(/in use by another running Karavan/);
      await first.stop();
      expect(first.process.exitCode).toBe(0);
      const again = await startEmbeddedDb({ dir });
      await again.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
