import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureEmbeddedDbBuild, EmbeddedDbError, startEmbeddedDb } from '../../server/src/db/embedded-db';

/** Runs `ensureEmbeddedDbBuild` with PATH holding only the given commands and no built jar. */
async function buildWithOnly(commands: string[]): Promise<{ failure: Promise<string> }> {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-path-'));
  for (const command of commands) {
    const real = ['/usr/bin', '/usr/local/bin', '/bin']
      .map((dir) => path.join(dir, command))
      .find((file) => fs.existsSync(file));
    if (!real) throw new Error(`${command} is not installed here`);
    fs.symlinkSync(fs.realpathSync(real), path.join(bin, command));
  }
  const saved = { PATH: process.env.PATH, JAR: process.env.KARAVAN_EMBEDDED_DB_JAR };
  process.env.PATH = bin;
  process.env.KARAVAN_EMBEDDED_DB_JAR = '/nonexistent/karavan-embedded-db.jar';
  try {
    const failure = ensureEmbeddedDbBuild();
    await failure.catch(() => undefined);
    return { failure };
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.JAR === undefined) delete process.env.KARAVAN_EMBEDDED_DB_JAR;
    else process.env.KARAVAN_EMBEDDED_DB_JAR = saved.JAR;
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

const WAYS_FORWARD = /openjdk-17-jdk-headless maven[\s\S]*MONGODB_URI[\s\S]*docker compose up/;

describe('The embedded database launcher', () => {
  test('When Java is missing and nothing is built, then it fails at once naming the Debian packages and the other ways forward', async () => {
    const { failure } = await buildWithOnly([]);
    await expect(failure).rejects.toBeInstanceOf(EmbeddedDbError);
    await expect(failure).rejects.toThrow(/`java` was not found/);
    await expect(failure).rejects.toThrow(/Java 17 or newer and Maven 3\.8 or newer/);
    await expect(failure).rejects.toThrow(WAYS_FORWARD);
  });

  test('When Java is there but Maven is missing, then it says Maven builds the database once, with the same ways forward', async () => {
    const { failure } = await buildWithOnly(['java']);
    await expect(failure).rejects.toBeInstanceOf(EmbeddedDbError);
    await expect(failure).rejects.toThrow(/built once with Maven, and `mvn` was not found/);
    await expect(failure).rejects.toThrow(WAYS_FORWARD);
  });

  test('When the database is built but Java has gone from the PATH, then starting it says `java` was not found, with the ways forward', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-nojava-'));
    const jar = path.join(dir, 'karavan-embedded-db.jar');
    fs.writeFileSync(jar, 'a built launcher');
    const saved = { PATH: process.env.PATH, JAR: process.env.KARAVAN_EMBEDDED_DB_JAR };
    process.env.PATH = dir;
    process.env.KARAVAN_EMBEDDED_DB_JAR = jar;
    try {
      const failure = startEmbeddedDb({ memory: true });
      await expect(failure).rejects.toBeInstanceOf(EmbeddedDbError);
      await expect(failure).rejects.toThrow(/`java` was not found/);
      await expect(failure).rejects.toThrow(WAYS_FORWARD);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.JAR === undefined) delete process.env.KARAVAN_EMBEDDED_DB_JAR;
      else process.env.KARAVAN_EMBEDDED_DB_JAR = saved.JAR;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
