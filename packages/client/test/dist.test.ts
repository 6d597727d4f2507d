// The published package stands alone: packed, installed into an empty project outside the workspace
// (only it and TypeScript), its types check a usage file — right calls compile, wrong ones are errors —
// and its runtime loads. The bundles carry no server code. Needs `pnpm build` first (the `test`
// script builds).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const dist = (f: string) => readFileSync(join(pkgDir, 'dist', f), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'fivecolor-client-dist-'));
const consumer = join(work, 'consumer');

// Words that only server code contains: the API package, its database, HTTP server and logger.
const SERVER_MARKERS = [
  '@fivecolor/api',
  'drizzle',
  'pglite',
  'hono',
  'pino',
  'from "zod"',
  'node:',
  'createFivecolor',
  'initTRPC',
  'process.env',
];

/** pnpm with the caller's workspace settings removed, so the consumer is a project of its own. */
function pnpm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_)/i.test(k)));
  return execFileSync('pnpm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const USAGE = `
import { createClient, fetchBadge, FivecolorError, FivecolorReportError, verifyReport,
  type BadgeData, type RouterInputs, type RouterOutputs } from '@fivecolor/client';

const client = createClient({ url: 'http://localhost:8787', apiKey: 'fck_x', timeoutMs: 5000 });

export async function right(): Promise<void> {
  const { partyId } = await client.party.register.mutate({ kind: 'person', idType: 'RESIDENT_ID', idNumber: '11010519491231002X', name: 'n' });
  const rec: RouterOutputs['record']['create'] = await client.record.create.mutate({ partyId, category: 'R03', court: '浙0212', caseNumber: 'c', effectiveFrom: '2026-01-01' });
  const color: 'green' | 'red' | 'yellow' | 'blue' | 'gold' = rec.classification.color;
  const input: RouterInputs['party']['get'] = { partyId };
  const details = await client.party.get.query(input, { signal: AbortSignal.timeout(1000) });
  const name: string = details.party.name;
  for await (const r of client.records(partyId)) { const c: string = r.category; void c; }
  for await (const a of client.auditLog({ pageSize: 50 })) { const s: number = a.seq; void s; }
  const badge: BadgeData = await fetchBadge('http://localhost:8787', 'bdg_x', { lang: 'en' });
  const { report } = await verifyReport('a.b.c', { keys: [] });
  void [color, name, badge, report.reportNo, report.classification.color];
  try { await client.policy.get.query(); } catch (e) {
    if (e instanceof FivecolorError) { const f: string | null = e.field; const s: number = e.httpStatus; void [f, s, e.code]; }
    if (e instanceof FivecolorReportError) { const r: 'bad_signature' | 'unknown_kid' | 'expired' | 'malformed' = e.reason; void r; }
  }
}

export async function wrong(): Promise<void> {
  // @ts-expect-error kind must be 'person' | 'org'
  await client.party.register.mutate({ kind: 'robot', idType: 'RESIDENT_ID', idNumber: 'x', name: 'n' });
  // @ts-expect-error partyId must be a string
  await client.party.get.query({ partyId: 42 });
  // @ts-expect-error record.create needs category, court, caseNumber and effectiveFrom
  await client.record.create.mutate({ partyId: 'p' });
  // @ts-expect-error party.lookup is a mutation (identity numbers never go in a URL)
  await client.party.lookup.query({ idType: 'RESIDENT_ID', idNumber: 'x' });
  // @ts-expect-error there is no party.delete
  await client.party.delete.mutate({ partyId: 'p' });
  // @ts-expect-error idempotencyKey is a string
  await client.record.revoke.mutate({ recordId: 'r', reason: 'x', idempotencyKey: 1 });
  const details = await client.party.get.query({ partyId: 'p' });
  // @ts-expect-error color is one of the five color names
  const n: number = details.classification.color;
  // @ts-expect-error fetchBadge's lang is 'zh-CN' | 'en'
  await fetchBadge('http://localhost:8787', 'bdg_x', { lang: 'fr' });
  void n;
}
`;

let tarball = '';
beforeAll(() => {
  pnpm(['pack', '--pack-destination', work], pkgDir);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? '');
  pnpm(['--version'], work);
  execFileSync('mkdir', ['-p', consumer]);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { '@fivecolor/client': `file:${tarball}`, typescript: '5.9.3' },
    }),
  );
  // From the local pnpm store when it has everything (CI after `pnpm install`), else the registry.
  try {
    pnpm(['install', '--offline', '--ignore-workspace'], consumer);
  } catch {
    pnpm(['install', '--prefer-offline', '--ignore-workspace'], consumer);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('holds only dist and package.json, and no dependency on the API', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(files.every((f) => f === 'package/package.json' || f.startsWith('package/dist/'))).toBe(true);
    const manifest = JSON.parse(
      readFileSync(join(consumer, 'node_modules/@fivecolor/client/package.json'), 'utf8'),
    );
    expect(Object.keys(manifest.dependencies).sort()).toEqual([
      '@trpc/client',
      '@trpc/server',
      'jose',
      'standardwebhooks',
    ]);
    expect(readdirSync(join(consumer, 'node_modules'))).not.toContain('@fivecolor/api');
  });

  it('type-checks right calls and rejects wrong ones in a project that has only it and TypeScript', () => {
    writeFileSync(join(consumer, 'usage.ts'), USAGE);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          // tRPC's own declarations use Disposable.
          lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
          types: [],
        },
        files: ['usage.ts'],
      }),
    );
    const tsc = join(consumer, 'node_modules/typescript/bin/tsc');
    let out = '';
    try {
      out = execFileSync('node', [tsc, '-p', '.'], { cwd: consumer, encoding: 'utf8' });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout);
      throw new Error(`tsc failed:\n${out}`);
    }
    expect(out).toBe('');

    // The check has teeth: a wrong call without its @ts-expect-error is an error.
    writeFileSync(
      join(consumer, 'usage.ts'),
      USAGE.replace('// @ts-expect-error partyId must be a string\n', ''),
    );
    let teeth = '';
    try {
      execFileSync('node', [tsc, '-p', '.'], { cwd: consumer, encoding: 'utf8' });
    } catch (err) {
      teeth = String((err as { stdout?: string }).stdout);
    }
    expect(teeth).toMatch(
      /usage\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  });

  it('runs from the installed package in plain Node', () => {
    const out = execFileSync(
      'node',
      [
        '--input-type=module',
        '-e',
        `import { createClient, verifyReport } from '@fivecolor/client';
         const c = createClient({ url: 'http://127.0.0.1:9', retry: false });
         const err = await c.policy.get.query().catch((e) => e);
         const rep = await verifyReport('x', { keys: [] }).catch((e) => e);
         console.log(JSON.stringify([err.name, err.code, rep.name, rep.reason]));`,
      ],
      { cwd: consumer, encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual(['FivecolorError', 'NETWORK_ERROR', 'FivecolorReportError', 'malformed']);
  });
});

describe('the bundles', () => {
  it('dist/index.js imports only the client runtime (tRPC client, tRPC observable, jose, standardwebhooks)', () => {
    const js = dist('index.js');
    const imports = [...js.matchAll(/from\s*["']([^"']+)["']/g)].map((m) => m[1]);
    expect(new Set(imports)).toEqual(
      new Set(['@trpc/client', '@trpc/server/observable', 'jose', 'standardwebhooks']),
    );
    for (const marker of SERVER_MARKERS) expect(js, marker).not.toContain(marker);
  });

  it('the browser bundle is self-contained and has no server code; prints its min+gzip size', () => {
    const js = dist('fivecolor-client.browser.js');
    expect(js).not.toMatch(/(?<![.\w$])import\s*[{*"'(]|\brequire\(/);
    for (const marker of SERVER_MARKERS) expect(js, marker).not.toContain(marker);
    const gzip = gzipSync(js, { level: 9 }).length;
    console.log(
      `dist/fivecolor-client.browser.js: ${(js.length / 1024).toFixed(1)} KiB minified, ${(gzip / 1024).toFixed(1)} KiB min+gzip`,
    );
    expect(gzip).toBeGreaterThan(0);
  });

  it('the .d.ts refers to no package other than the dependencies', () => {
    const dts = dist('index.d.ts');
    const refs = new Set(
      [...dts.matchAll(/from\s*["']([^"']+)["']|import\(["']([^"']+)["']\)/g)].map((m) => m[1] ?? m[2]),
    );
    expect(refs).toEqual(new Set(['@trpc/server', '@trpc/client', 'jose']));
  });
});
