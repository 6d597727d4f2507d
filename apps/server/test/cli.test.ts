import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMPORT_LOCK } from '@fivecolor/api';
import { createTestClient, trpcError } from '@fivecolor/api/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { databases, freshEnv, type RunningCli, runCli, startCli } from './helpers.js';

describe.each(databases)('fivecolor-server on %s', (kind) => {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const d of drops) await d();
  });

  it('creates an API key, printed alone on the last line, that the server then accepts', async () => {
    const { env, drop } = await freshEnv(kind);
    drops.push(drop);
    const created = await runCli(
      ['keys', 'create', '--role', 'judge', '--court', '浙02', '--name', '民二庭'],
      env,
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^fck_[\w-]{20,}$/);

    // As an operator runs it: the bin itself, whose first line gives node a larger young generation.
    const server = await startCli(['serve'], env, { executable: true });
    try {
      const cmdline = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain('--max-semi-space-size=32');
      expect((await createTestClient(server.url, key).policy.get.query()).id).toBe('default-2022');
      const denied = await trpcError(createTestClient(server.url, 'fck_not-a-key').policy.get.query());
      expect(denied.data?.httpStatus).toBe(401);
      const health = await fetch(`${server.url}/healthz`);
      expect(await health.json()).toMatchObject({ ok: true, db: kind });
    } finally {
      await server.stop();
    }
  });

  it('refuses a command whose secret differs from the one the database was set up with', async () => {
    const { env, drop } = await freshEnv(kind);
    drops.push(drop);
    const first = await runCli(['seed', '--parties', '10'], { ...env, FIVECOLOR_SECRET: 'a'.repeat(32) });
    expect(first.code).toBe(0);
    const other = await runCli(['keys', 'create', '--role', 'admin'], {
      ...env,
      FIVECOLOR_SECRET: 'b'.repeat(32),
    });
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/FIVECOLOR_SECRET: this database was set up with a different secret/);
    expect(other.stdout).not.toMatch(/fck_/);
  });

  it('seeds synthetic parties in batches and reports the colors', async () => {
    const { env, drop } = await freshEnv(kind);
    drops.push(drop);
    const seeded = await runCli(['seed', '--parties', '2500'], env);
    expect(seeded.stderr).toBe('');
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toMatch(/seeded 2500 parties and \d+ records/);
    const colors = JSON.parse(/colors: (.*)/.exec(seeded.stdout)![1]!) as Record<string, number>;
    expect(Object.values(colors).reduce((a, b) => a + b, 0)).toBe(2500);
    expect(Object.keys(colors).sort()).toEqual(['blue', 'gold', 'green', 'red', 'yellow']);
  });

  it('seeds records that fit the active policy, their states under it', async () => {
    const { env, drop } = await freshEnv(kind);
    drops.push(drop);
    // Y14 no longer repairable, G01 red, terms changed, two unusable: allowed on an empty store.
    const policy = JSON.parse(readFileSync(POLICY, 'utf8'));
    policy.id = 'seed-fit-test';
    policy.categories = policy.categories.map((c: { code: string }) =>
      c.code === 'Y14'
        ? { ...c, repairable: false }
        : c.code === 'G01'
          ? { ...c, color: 'red' }
          : c.code === 'Y05'
            ? { ...c, duration: 'P5Y' }
            : c.code === 'Y06'
              ? { ...c, duration: 'P0D' } // ends on its first day: no record can have it
              : c.code === 'Y07'
                ? { ...c, duration: 'P9000Y' } // past year 9999
                : c,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'fivecolor-policy-')), 'policy.json');
    writeFileSync(file, JSON.stringify(policy));
    expect((await runCli(['policy', 'apply', file], env)).code).toBe(0);
    const seeded = await runCli(['seed', '--parties', '500'], env);
    expect(seeded.stderr).toBe('');
    expect(seeded.code).toBe(0);
    const verified = await runCli(['verify'], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/ 500 party states \(0 stale,/);
  });
});

const EXAMPLES = fileURLToPath(new URL('../../../docs/examples/', import.meta.url));
const POLICY = join(EXAMPLES, 'policy-gold-before-blue.json');

/** An admin key made with `keys create` (the key is its last line). */
const adminKey = async (env: Record<string, string>) =>
  (await runCli(['keys', 'create', '--role', 'admin', '--name', 'ops'], env)).stdout
    .trim()
    .split('\n')
    .at(-1) as string;

describe('fivecolor-server rejects bad arguments with a message that names them', () => {
  it.each([
    [
      ['keys', 'create', '--role', 'boss'],
      /--role: must be one of admin, clerk, judge, enforcement, bank, exchange/,
    ],
    [['seed', '--parties', '0'], /--parties: must be a positive integer, got 0/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['keys', 'create', '--role', 'judge', '--court', ''], /court/],
    [['keys', 'create', '--role', 'judge', '--court', 'Zhejiang'], /court/],
    [['keys', 'create', '--role', 'judge'], /court: is required for a clerk, judge or enforcement key/],
    [['import', 'no-such.csv'], /^fivecolor-server: no-such\.csv: no such file$/m],
    [['import', '.'], /^fivecolor-server: \.: is a directory, not a file$/m],
    [['policy', 'simulate', 'no-such.json'], /^fivecolor-server: no-such\.json: no such file$/m],
    [['policy', 'apply', POLICY, '--as-of', '2026-01-01'], /--as-of: only for policy simulate/],
    [['policy', 'simulate', POLICY, '--force'], /--force: only for policy apply/],
    [['policy', 'simulate', POLICY, '--as-of', '2027/6/1'], /--as-of: must be a date YYYY-MM-DD/],
    // A command that takes no option refuses one rather than doing the real thing (rotating, migrating).
    [['keys', 'rotate-signing', '--dry-run'], /Unknown option '--dry-run'/],
    [['migrate', '--dry-run'], /Unknown option '--dry-run'/],
    [['serve', '--port', '9000'], /Unknown option '--port'/],
    [['start', '--parties', 'abc'], /--parties: must be a positive integer, got abc/],
    [['seed', '--parties', '1e3'], /--parties: must be a positive integer, got 1e3/],
    [['verify', '--checkpoint-file', 'no-such.json'], /^fivecolor-server: no-such\.json: no such file$/m],
  ])('%j', async (args, message) => {
    const env = { FIVECOLOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'fivecolor-args-')), DATABASE_URL: '' };
    const r = await runCli(args, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    // Refused before any database is made in the data directory.
    expect(existsSync(join(env.FIVECOLOR_DATA_DIR as string, 'pgdata'))).toBe(false);
  });

  it('reads a policy file saved with a byte-order mark, and names the file when its policy does not fit the store', async () => {
    const { env } = await freshEnv('pglite');
    expect((await runCli(['import', join(EXAMPLES, 'import.csv')], env)).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'fivecolor-policy-'));
    const policy = JSON.parse(readFileSync(POLICY, 'utf8'));
    const withBom = join(dir, 'notepad.json');
    writeFileSync(withBom, `\uFEFF${JSON.stringify(policy)}`);
    const read = await runCli(['policy', 'simulate', withBom], env);
    expect(read.stderr).toBe('');
    expect(read.stdout).toMatch(
      /policy example-gold-before-blue as of \S+ \(now default-2022\): 1 of 5 parties would change color/,
    );
    const breaking = join(dir, 'y14.json');
    policy.categories = policy.categories.map((c: { code: string }) =>
      c.code === 'Y14' ? { ...c, repairable: false } : c,
    );
    writeFileSync(breaking, JSON.stringify(policy));
    for (const sub of ['simulate', 'apply']) {
      const refused = await runCli(['policy', sub, breaking], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `fivecolor-server: ${breaking}: policy.categories[17].repairable: Y14 must stay repairable and red or yellow: 1 stored repair(s) list records of it\n`,
      );
      expect(refused.stdout).toBe(''); // refused before any progress
    }
  });

  it.each([['import'], ['policy', 'apply'], ['keys', 'create']])(
    '%j --help prints the usage and touches no database',
    async (...args) => {
      const env = { FIVECOLOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'fivecolor-args-')), DATABASE_URL: '' };
      const r = await runCli([...args, '--help'], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('import FILE [--format csv|ndjson]');
      expect(existsSync(join(env.FIVECOLOR_DATA_DIR as string, 'pgdata'))).toBe(false);
    },
  );

  it.each([
    [{ PORT: 'eighty' }, 'PORT: must be an integer 0–65535, got eighty'],
    [{ FIVECOLOR_BADGE_CACHE_SIZE: '-5' }, 'FIVECOLOR_BADGE_CACHE_SIZE: must be a positive integer, got -5'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must start with postgres://'],
    [{ PORT: '0x50' }, 'PORT: must be an integer 0–65535, got 0x50'],
    [{ FIVECOLOR_TRUST_PROXY: '1' }, 'FIVECOLOR_TRUST_PROXY: must be true or false, got 1'],
    [{ FIVECOLOR_BADGE_CACHE: 'false' }, 'FIVECOLOR_BADGE_CACHE: must be on or off, got false'],
    [
      { FIVECOLOR_SIGNING_KEY: 'garbage' },
      'FIVECOLOR_SIGNING_KEY: give an Ed25519 private JWK (JSON) or a PKCS#8 PEM',
    ],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got verbose',
    ],
    [
      { FIVECOLOR_PUBLIC_URL: 'https://credit.court.example/path?x=1' },
      'FIVECOLOR_PUBLIC_URL: must be a URL without ?query or #fragment',
    ],
    [
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' },
      'DATABASE_URL: cannot use the database (connect ECONNREFUSED 127.0.0.1:1)',
    ],
  ])('names a bad environment variable: %j', async (env, message) => {
    const r = await runCli(['serve'], { DATABASE_URL: '', ...env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('names PORT when the port is taken, and leaves the data dir free', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const { env } = await freshEnv('pglite');
      const r = await runCli(['serve'], { ...env, PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`PORT: ${port} is in use (another server on this machine?)`);
      expect((await runCli(['migrate'], env)).code).toBe(0); // the data dir's lock was given back
    } finally {
      taken.close();
    }
  });

  it('prints its help whatever the environment (what one reads when it is wrong)', async () => {
    const r = await runCli(['help'], { DATABASE_URL: '', PORT: 'eighty' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('verify [--checkpoint]');
  });
});

describe('PORT=0 (a port the OS chooses)', () => {
  it('serve names the port bound, in its banner and as the public URL, when FIVECOLOR_PUBLIC_URL is unset', async () => {
    const { env } = await freshEnv('pglite');
    const server = await startCli(['serve'], { ...env, PORT: '0', FIVECOLOR_PUBLIC_URL: '' });
    try {
      const base = `http://localhost:${new URL(server.url).port}`;
      expect(await server.waitFor('Five-Color Code API on')).toContain(
        `Five-Color Code API on ${base} (pglite)`,
      );
      // Standard output is JSON log lines alone (the banner is on stderr), for a log collector.
      const lines = server.stdout().trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
        servers: { url: string }[];
      };
      expect(doc.servers).toEqual([{ url: base }]);
    } finally {
      await server.stop();
    }
  });
});

describe('shutdown', () => {
  it('SIGTERM: clients keeping their connections busy do not hold the server; it exits', async () => {
    const { env } = await freshEnv('pglite');
    expect((await runCli(['seed', '--parties', '200'], env)).code).toBe(0);
    const admin = await adminKey(env);
    const server = await startCli(['serve'], env);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    // Requests that take a while (several queries each), so that some are under way at the signal.
    const get = () =>
      new Promise<string | undefined>((resolve, reject) => {
        http
          .get(
            `${server.url}/trpc/stats.summary`,
            { agent, headers: { authorization: `Bearer ${admin}` } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.headers.connection));
            },
          )
          .on('error', reject);
      });
    expect(await get()).toBe('keep-alive');
    const exited = new Promise<number | null>((r) => server.child.once('exit', r));
    let busy = true;
    const answers: (string | undefined)[] = [];
    // Four clients, each sending its next request as soon as the last is answered.
    const clients = Array.from({ length: 4 }, async () => {
      while (busy) answers.push(await get().catch(() => 'refused'));
    });
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r('still running'), 8_000)),
    ]);
    busy = false;
    await Promise.all(clients);
    agent.destroy();
    if (code === 'still running') await server.stop();
    expect(code).toBe(0);
    expect(answers.at(-1)).toBe('refused');
  });
});

describe('fivecolor-server start (the README demo)', () => {
  it('seeds the demo on first start and prints the URLs, the stories and a working key per role', async () => {
    const { env } = await freshEnv('pglite');
    const server = await startCli(['start', '--parties', '60'], { ...env, LOG_LEVEL: 'warn' });
    try {
      const out = await server.waitFor('Try: curl');
      // PORT=0 (startCli): the port the OS chose.
      expect(out).toContain(`Five-Color Code is running on http://localhost:${new URL(server.url).port}\n`);
      expect(existsSync(join(env.FIVECOLOR_DATA_DIR as string, 'demo-seeding'))).toBe(false); // seeded whole
      expect(out).toMatch(/console\s+http:\/\/\S+\/console\//);
      expect(out).toMatch(/playground\s+http:\/\/\S+\/playground\//);
      const badgePaths = [...out.matchAll(/https?:\/\/[^/\s]+(\/v1\/badge\/\S+)/g)].map((m) => m[1]!);
      expect(badgePaths).toHaveLength(4);
      const colors = await Promise.all(
        badgePaths.map(
          async (p) => ((await (await fetch(`${server.url}${p}`)).json()) as { color: string }).color,
        ),
      );
      expect(colors.sort()).toEqual(['blue', 'gold', 'red', 'yellow']);
      // Per story: who with an identity number to look up, the human badge page and a ready report.
      const who = [...out.matchAll(/^ {9}who {5}(.+) · (RESIDENT_ID|USCC) (\w{18})$/gm)];
      expect(who).toHaveLength(4);
      const pages = [...out.matchAll(/^ {9}badge {3}https?:\/\/[^/\s]+(\/badge\/bdg_\S+)/gm)].map(
        (m) => m[1]!,
      );
      expect(pages).toHaveLength(4);
      for (const p of pages) expect((await fetch(`${server.url}${p}`)).status).toBe(200);
      const reports = [...out.matchAll(/^ {9}report {2}(\S+) {2}code (\w{8}) {3}https?:\/\/[^/\s]+(\S+)$/gm)];
      expect(reports).toHaveLength(4);
      for (const [, , , path] of reports) {
        const v = (await (await fetch(`${server.url}${path}`)).json()) as { valid: boolean };
        expect(v.valid).toBe(true);
      }
      const keys = Object.fromEntries(
        [...out.matchAll(/^ {2}(\w+)\s+(fck_\S+)$/gm)].map((m) => [m[1], m[2]]),
      );
      expect(Object.keys(keys).sort()).toEqual([
        'admin',
        'bank',
        'clerk',
        'enforcement',
        'exchange',
        'judge',
        'portal',
      ]);
      expect((await createTestClient(server.url, keys.judge).policy.get.query()).id).toBe('default-2022');
      const story = who[0]?.[3] as string;
      const { partyId } = (
        await createTestClient(server.url, keys.clerk).party.lookup.mutate({
          idType: 'RESIDENT_ID',
          idNumber: story,
        })
      ).party;
      const session = await createTestClient(server.url, keys.portal).party.issueSession.mutate({ partyId });
      expect(
        (await createTestClient(server.url, session.token).party.get.query({ partyId })).party.partyId,
      ).toBe(partyId);
    } finally {
      await server.stop();
    }
  });

  it('serves a database that already has parties as it is, seeding no demo into it', async () => {
    const { env } = await freshEnv('pglite');
    expect((await runCli(['seed', '--parties', '10'], env)).code).toBe(0);
    const admin = await adminKey(env);
    const server = await startCli(['start', '--parties', '60'], { ...env, LOG_LEVEL: 'warn' });
    try {
      const out = await server.waitFor('No demo keys');
      expect(out).toContain('the database already has parties: no demo seeded, serving it as it is');
      expect(out).toMatch(/Five-Color Code is running on http:\/\/\S+/);
      expect(out).not.toMatch(/fck_/);
      expect((await createTestClient(server.url, admin).stats.summary.query()).parties).toBe(10);
      expect(existsSync(join(env.FIVECOLOR_DATA_DIR as string, 'demo.json'))).toBe(false);
    } finally {
      await server.stop();
    }
  });
  it('says what to do when its first start was stopped while seeding the demo (part of it, no keys)', async () => {
    const { env } = await freshEnv('pglite');
    const dir = env.FIVECOLOR_DATA_DIR as string;
    expect((await runCli(['seed', '--parties', '10'], env)).code).toBe(0); // the part seeded
    writeFileSync(join(dir, 'demo-seeding'), ''); // as a first start leaves it when stopped
    await expect(startCli(['start', '--parties', '60'], { ...env, LOG_LEVEL: 'warn' })).rejects.toThrow(
      `the demo's first start was stopped while seeding it: ${dir} holds part of it and no demo keys. Delete ${dir} and run pnpm start again`,
    );
  });
});

// PGlite only: PostgreSQL serves any number of processes.
describe('one PGlite data dir', () => {
  it.runIf(databases.includes('postgres'))(
    'policy apply refuses while a server runs on the PostgreSQL database, and applies once it stopped',
    async () => {
      const { env, drop } = await freshEnv('postgres');
      const policy = fileURLToPath(
        new URL('../../../docs/examples/policy-gold-before-blue.json', import.meta.url),
      );
      try {
        expect((await runCli(['seed', '--parties', '30'], env)).code).toBe(0);
        // One server with the badge cache, one without (it listens all the same, to be seen).
        const servers = [
          await startCli(['serve'], env),
          await startCli(['serve'], { ...env, FIVECOLOR_BADGE_CACHE: 'off' }),
        ];
        try {
          const refused = await runCli(['policy', 'apply', policy], env);
          expect(refused.code).toBe(1);
          expect(refused.stderr).toMatch(
            /policy apply: 2 server process\(es\) are running on this database; stop them first/,
          );
          const id = await runCli(['policy', 'simulate', policy], env); // simulate writes nothing: allowed
          expect(id.code).toBe(0);
          await (servers.shift() as RunningCli).stop(); // the one with the cache
          const still = await runCli(['policy', 'apply', policy], env);
          expect(still.stderr).toMatch(/policy apply: 1 server process\(es\) are running/);
        } finally {
          for (const s of servers) await s.stop();
        }
        // Off a terminal, progress comes as lines (every page with a zero interval) before the summary.
        const applied = await runCli(['policy', 'apply', policy], { ...env, FIVECOLOR_PROGRESS_MS: '0' });
        expect(applied.code).toBe(0);
        expect(applied.stdout).toMatch(
          /^ {2}([\d,]+) of \1 parties recomputed \(100 %\), [\d,]+ parties\/s\npolicy \S+ is active \(was default-2022\): \1 parties recomputed/m,
        );
        // Parties seeded afterwards get their states under the active policy: none stale.
        expect((await runCli(['seed', '--parties', '30'], env)).code).toBe(0);
        const verified = await runCli(['verify'], env);
        expect(verified.code).toBe(0);
        expect(verified.stdout).toMatch(/ 60 party states \(0 stale,/);
      } finally {
        await drop();
      }
    },
  );

  it.runIf(databases.includes('postgres'))(
    'policy apply tells of a server that started while it applied (that server may run the old policy)',
    async () => {
      const { env, drop } = await freshEnv('postgres');
      const policy = fileURLToPath(
        new URL('../../../docs/examples/policy-gold-before-blue.json', import.meta.url),
      );
      const client = new pg.Client({ connectionString: env.DATABASE_URL });
      try {
        expect((await runCli(['seed', '--parties', '30'], env)).code).toBe(0);
        const key = (await runCli(['keys', 'create', '--role', 'admin', '--name', 'ops'], env)).stdout
          .trim()
          .split('\n')
          .at(-1) as string;
        // The import lock held, as an import batch being written holds it: the apply, past its check for
        // running servers, waits there to store its policy while a server starts.
        await client.connect();
        await client.query('begin');
        await client.query('select pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
        const applying = runCli(['policy', 'apply', policy], env);
        for (;;) {
          const { rows } = await client.query(
            "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted",
          );
          if (rows[0].n > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const server = await startCli(['serve'], env);
        try {
          await client.query('commit');
          const applied = await applying;
          expect(applied.code).toBe(1);
          expect(applied.stderr).toMatch(
            /policy apply: policy example-gold-before-blue is active, but 1 server process\(es\) started on this database while it was applied; restart them/,
          );
          expect((await createTestClient(server.url, key).policy.get.query()).id).toBe('default-2022');
        } finally {
          await server.stop();
        }
        const restarted = await startCli(['serve'], env);
        try {
          expect((await createTestClient(restarted.url, key).policy.get.query()).id).toBe(
            'example-gold-before-blue',
          );
        } finally {
          await restarted.stop();
        }
      } finally {
        await client.end();
        await drop();
      }
    },
  );

  it('refuses a second process on a PGlite data dir the server holds, instead of losing its writes', async () => {
    const { env } = await freshEnv('pglite');
    const server = await startCli(['serve'], env);
    try {
      const second = await runCli(['keys', 'create', '--role', 'admin', '--name', 'ops'], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by process \d+/);
      expect(second.stderr).toMatch(/DATABASE_URL/);
      expect(second.stdout).not.toMatch(/fck_/);
    } finally {
      await server.stop();
    }
    // Once the server has stopped the data dir is free again.
    expect((await runCli(['keys', 'create', '--role', 'admin', '--name', 'ops'], env)).code).toBe(0);
  });
});
