import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSecret } from './secret.js';

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
