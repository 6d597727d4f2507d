import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { settings } from '../db/schema.js';
import { dbKinds, openTestDb } from '../testing/test-db.js';
import { checkSecret, resolveSecret } from './secret.js';

describe('resolveSecret', () => {
  it('generates the secret into the data dir with mode 0600 on first run, then reuses it', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'fivecolor-secret-')), 'data');
    const first = await resolveSecret({ dataDir: dir });
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(((await stat(join(dir, 'secret'))).mode & 0o777).toString(8)).toBe('600');
    expect((await readFile(join(dir, 'secret'), 'utf8')).trim()).toBe(first);
    expect(await resolveSecret({ dataDir: dir })).toBe(first);
  });

  it('prefers FIVECOLOR_SECRET and rejects a short one', async () => {
    expect(await resolveSecret({ secret: 'x'.repeat(32), dataDir: 'memory://' })).toBe('x'.repeat(32));
    await expect(resolveSecret({ secret: 'short', dataDir: 'memory://' })).rejects.toThrow(/at least 16/);
  });
});

describe.each(dbKinds())('checkSecret (%s)', (kind) => {
  it('records the first secret used with a database and refuses another one', async () => {
    const db = await openTestDb(kind);
    try {
      await checkSecret(db, 'first-secret-0123456789');
      await checkSecret(db, 'first-secret-0123456789');
      await expect(checkSecret(db, 'other-secret-0123456789')).rejects.toThrow(
        /FIVECOLOR_SECRET: this database was set up with a different secret/,
      );
      const rows = await db.db.select().from(settings).where(eq(settings.key, 'secret_check'));
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows[0]!.value)).not.toContain('first-secret');
    } finally {
      await db.close();
    }
  });
});
