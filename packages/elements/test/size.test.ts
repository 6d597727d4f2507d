import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DIST_DIR } from './harness.js';

const gzipped = async (file: string): Promise<number> =>
  gzipSync(await readFile(join(DIST_DIR, file)), { level: 9 }).length;

describe('bundle size', () => {
  it('keeps the badge-only bundle within 15 KB min+gzip, Lit included', async () => {
    const badge = await gzipped('fivecolor-badge.js');
    expect(badge).toBeLessThanOrEqual(15 * 1024);
    // Sanity: Lit is really bundled (no bare import left for the browser to fail on).
    const code = await readFile(join(DIST_DIR, 'fivecolor-badge.js'), 'utf8');
    expect(code).not.toMatch(/from\s*["']lit/);
    expect(await gzipped('fivecolor-elements.js')).toBeGreaterThan(badge);
  });
});
