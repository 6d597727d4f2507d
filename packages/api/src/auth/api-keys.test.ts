import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { apiKeys } from '../db/schema.js';
import { openTestDb } from '../testing/test-db.js';
import { createApiKey } from './api-keys.js';

describe('createApiKey (as the server CLI calls it) on pglite', () => {
  let db: Db;
  const secret = 'api-keys-test-secret-0123456789abcdef';
  beforeAll(async () => {
    db = await openTestDb('pglite');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('rejects an empty name or org and a court that is not a court code, naming the field, writing nothing', async () => {
    const bad: [Parameters<typeof createApiKey>[2], RegExp][] = [
      [{ role: 'judge', name: '', court: '浙02' }, /^name: must not be empty/],
      [{ role: 'judge', name: '   ', court: '浙02' }, /^name: must not be empty/],
      [{ role: 'bank', name: 'Bank', org: '' }, /^org: must not be empty/],
      [{ role: 'bank', name: 'Bank', org: ' ' }, /^org: must not be empty/],
      [{ role: 'judge', name: 'Judge', court: '' }, /^court: must be a court code/],
      [{ role: 'judge', name: 'Judge', court: 'ZJ02' }, /^court: must be a court code/],
      [{ role: 'judge', name: 'Judge', court: '浙021' }, /^court: must be a court code/],
      [{ role: 'judge', name: 'Judge', court: '猫02' }, /^court: must be a court code/], // not a high court's abbreviation
    ];
    for (const [opts, message] of bad) {
      await expect(createApiKey(db, secret, opts), JSON.stringify(opts)).rejects.toThrow(TypeError);
      await expect(createApiKey(db, secret, opts)).rejects.toThrow(message);
    }
    expect(await db.db.select().from(apiKeys)).toEqual([]);
  });

  it('creates keys with a valid court, or none, trimming the name', async () => {
    await createApiKey(db, secret, { role: 'judge', name: ' 民二庭 ', court: '浙0212' });
    await createApiKey(db, secret, { role: 'admin', name: 'ops' });
    const rows = await db.db.select().from(apiKeys);
    expect(rows.map((r) => [r.name, r.org, r.court]).sort()).toEqual([
      ['ops', 'ops', null],
      ['民二庭', '民二庭', '浙0212'],
    ]);
  });
});
