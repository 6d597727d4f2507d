import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

  it('keeps the client and every other element out of the badge bundle; fivecolor-elements.js defines all seven', async () => {
    const badge = await readFile(join(DIST_DIR, 'fivecolor-badge.js'), 'utf8');
    for (const tag of ['report', 'verify', 'party-records', 'report-issuer', 'consents', 'access-log'])
      expect(badge.includes(`"fivecolor-${tag}"`), tag).toBe(false);
    expect(badge.includes('httpBatchLink') || badge.includes('/trpc')).toBe(false);
    const all = await readFile(join(DIST_DIR, 'fivecolor-elements.js'), 'utf8');
    const tags = ['badge', 'report', 'verify', 'party-records', 'report-issuer', 'consents', 'access-log'];
    for (const tag of tags) expect(all.includes(`"fivecolor-${tag}"`), tag).toBe(true);
    // @trpc/client's unused links stay out (the build marks it side-effect free): no WebSocket client.
    expect(all.includes('new WebSocket'), 'WebSocket link').toBe(false);
    // fivecolor-portal.js, the portal pages' earlier name, is the same module.
    const portal = await readFile(join(DIST_DIR, 'fivecolor-portal.js'), 'utf8');
    const code = (s: string) => s.replace(/\/\/# sourceMappingURL=.*\s*$/, '');
    expect(code(portal)).toBe(code(all));
  });
});

const EMBEDDING_DOC = fileURLToPath(new URL('../../../docs/embedding.md', import.meta.url));

/** `| \`name\` (…) | 31.1 KB | 11.8 KB (…) |` rows of the size table in docs/embedding.md. */
function documentedSizes(doc: string): Map<string, { min: number; gzip: number }> {
  const rows = [...doc.matchAll(/^\| `([\w.-]+\.js)`[^|]*\| ([\d.]+) KB\s*\| ([\d.]+) KB/gm)];
  return new Map(rows.map((m) => [m[1] as string, { min: Number(m[2]), gzip: Number(m[3]) }]));
}

describe('the size table in docs/embedding.md', () => {
  it('states every bundle within 0.5 KB of the built files', async () => {
    const documented = documentedSizes(await readFile(EMBEDDING_DOC, 'utf8'));
    expect([...documented.keys()].sort()).toEqual([
      'fivecolor-badge.js',
      'fivecolor-elements.js',
      'fivecolor-portal.js',
    ]);
    for (const [file, doc] of documented) {
      const min = (await readFile(join(DIST_DIR, file))).length / 1024;
      const gzip = (await gzipped(file)) / 1024;
      const actual = `${file}: ${min.toFixed(1)} KB minified, ${gzip.toFixed(1)} KB min+gzip`;
      expect(Math.abs(doc.min - min), actual).toBeLessThanOrEqual(0.5);
      expect(Math.abs(doc.gzip - gzip), actual).toBeLessThanOrEqual(0.5);
    }
  });

  it('reads the rows it checks (a stale figure would fail)', () => {
    const sizes = documentedSizes(
      '| `a.js` (x) | 10.0 KB  | 3.0 KB (budget) |\n| `b.js` | 1.5 KB | 0.7 KB |',
    );
    expect(sizes).toEqual(
      new Map([
        ['a.js', { min: 10, gzip: 3 }],
        ['b.js', { min: 1.5, gzip: 0.7 }],
      ]),
    );
  });
});
