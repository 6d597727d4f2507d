import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@fivecolor/api';
import { createTestDatabase, residentIds } from '@fivecolor/api/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { cliPath, databases, freshEnv, runCli } from './helpers.js';

const EXAMPLES = fileURLToPath(new URL('../../../docs/examples/', import.meta.url));
const HEADER =
  'externalId,kind,idType,idNumber,name,category,court,caseNumber,effectiveFrom,effectiveUntil,note,repairs';

async function query<T>(env: Record<string, string>, q: ReturnType<typeof sql>): Promise<T[]> {
  const db = await openDatabase(
    env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.FIVECOLOR_DATA_DIR as string },
  );
  try {
    return ((await db.db.execute(q)) as unknown as { rows: T[] }).rows;
  } finally {
    await db.close();
  }
}

describe.each(databases)('fivecolor-server import (%s)', (kind) => {
  it('dry run: every bad line with its line number, column and rule; nothing written; exit 1', async () => {
    const { env, drop } = await freshEnv(kind);
    try {
      expect((await runCli(['migrate'], env)).code).toBe(0); // a dry run reads a store set up, never sets one up
      const file = join(env.FIVECOLOR_DATA_DIR as string, '..', `bad-${kind}-${Date.now()}.csv`);
      const id = residentIds(3);
      writeFileSync(
        file,
        `\uFEFF${HEADER}\n` +
          `B-1,person,RESIDENT_ID,${id[0]},张某,Y05,浙0212,（2025）浙0212民初1号,2025-13-01,,,\n` +
          `B-2,person,RESIDENT_ID,${(id[1] as string).slice(0, 17)}0,李某,R01,浙0212,（2025）浙0212刑初1号,2025-01-01,,,\n` +
          `B-3,person,RESIDENT_ID,${id[2]},王某,Z99,ZZ,（2015）甬民二终字第7号,2025/1/2,,,\n` +
          `B-4,person,RESIDENT_ID,${id[2]},王某,B01,浙0212,（2025）浙0212执1号,2025-02-01,,,NOPE-1\n` +
          `B-5,person,RESIDENT_ID,${id[0]},张某,Y05,浙0212,（2025）浙0212民初2号,2025-01-01,,,\n` +
          `B-5,person,RESIDENT_ID,${id[0]},张某,Y05,浙0212,（2025）浙0212民初3号,2025-01-01,,,\n` +
          `B-6,person,RESIDENT_ID,${id[1]},李某,Y05,浙0212,（2025）浙0212民初4号,2025-03-01T08:00,,,\n`,
      );
      const r = await runCli(['import', file, '--dry-run'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const lines = r.stdout.split('\n');
      expect(lines).toContain(
        'line 2, column effectiveFrom: must be a date YYYY-MM-DD or YYYY/M/D (e.g. 2024-03-01 or 2024/3/1)',
      );
      expect(lines.find((l) => l.startsWith('line 3, column idNumber: check digit should be'))).toBeTruthy();
      expect(lines.find((l) => l.startsWith('line 4, column category: unknown category Z99'))).toBeTruthy();
      expect(lines.find((l) => l.startsWith('line 4, column court: must be a court code'))).toBeTruthy();
      expect(lines).toContain(
        'line 5, column repairs: item 1 is not in the file nor stored from court-import',
      );
      expect(lines).toContain('line 7, column externalId: appears twice in the file (first on line 6)');
      expect(lines).toContain(
        'line 8, column effectiveFrom: must be a date YYYY-MM-DD or YYYY/M/D (e.g. 2024-03-01 or 2024/3/1)',
      );
      expect(r.stdout).toMatch(/7 rows checked, 6 bad line\(s\); nothing was written/);
      expect(r.stdout).not.toContain(id[0]); // no identity number in the report
      const [n] = await query<{ n: number }>(env, sql`select count(*)::int as n from records`);
      expect(Number(n?.n)).toBe(0);

      // A missing column refuses the file; a GB18030 file read as UTF-8 is refused with the hint.
      writeFileSync(file, 'externalId,kind\nX,person\n');
      const missing = await runCli(['import', file], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/line 1: missing column idType, idNumber, name/);
      writeFileSync(`${file}.ndjson`, '\n');
      const empty = await runCli(['import', `${file}.ndjson`, '--dry-run'], env);
      expect(empty.code).toBe(1);
      expect(empty.stderr).toMatch(
        /\.ndjson: empty; each line is a JSON object with the columns: externalId, /,
      );
      const gb = await runCli(['import', join(EXAMPLES, 'import-gb18030.csv')], env);
      expect(gb.code).toBe(1);
      expect(gb.stderr).toMatch(/not valid UTF-8; .*add --encoding gb18030/);

      // A real run refuses a file that cannot be read before writing any batch, wherever the problem is:
      // here past the first of the reader's chunks, written in batches of 100.
      const many = residentIds(3000);
      const good = many.map(
        (idNumber, i) =>
          `M-${i},person,RESIDENT_ID,${idNumber},张某,Y05,浙0212,（2025）浙0212民初${i + 1}号,2025-01-01,,note ${i},`,
      );
      const late = (bad: string) =>
        `${HEADER}\n${good.map((l, i) => (i === 2800 ? l.replace(`note ${i}`, bad) : l)).join('\n')}\n`;
      expect(Buffer.byteLength(late('x'))).toBeGreaterThan(300_000);
      const bytes = Buffer.from(late('BAD'));
      bytes[bytes.indexOf('BAD')] = 0xff;
      writeFileSync(file, bytes);
      const broken = await runCli(['import', file, '--batch', '100'], env);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/: line 2,802 \(byte [\d,]+\): not valid UTF-8; /);
      writeFileSync(file, late('"never closed'));
      const unclosed = await runCli(['import', file, '--batch', '100'], env);
      expect(unclosed.code).toBe(1);
      expect(unclosed.stderr).toMatch(/: line 2,802: a quoted field is not closed by the end of the file/);
      const [none] = await query<{ n: number }>(env, sql`select count(*)::int as n from records`);
      expect(Number(none?.n)).toBe(0);
      // A quote inside an unquoted field is text: the same file imports whole.
      writeFileSync(file, late('他说"还钱"了'));
      expect((await runCli(['import', file, '--batch', '1000'], env)).code).toBe(0);
      const [kept] = await query<{ note: string }>(
        env,
        sql`select note from records where external_id = 'M-2800'`,
      );
      expect(kept?.note).toBe('他说"还钱"了');
    } finally {
      await drop();
    }
  });

  it('a dry run and a simulation write nothing: no data dir, tables or secret where none was set up; a database lacking a migration is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fivecolor-dry-'));
    const pgdb = kind === 'postgres' ? await createTestDatabase() : undefined;
    const env = { FIVECOLOR_DATA_DIR: dataDir, DATABASE_URL: pgdb?.url ?? '' };
    const tables = sql`select count(*)::int as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`;
    // PGlite: an empty pgdata, as an interrupted first start leaves it, is not a database set up either.
    if (kind === 'pglite') mkdirSync(join(dataDir, 'pgdata'));
    try {
      // A file with no row is refused before the database is opened, NDJSON as CSV.
      for (const name of ['empty.csv', 'empty.ndjson']) {
        const empty = join(dataDir, '..', `${kind}-${Date.now()}-${name}`);
        writeFileSync(empty, '');
        const r = await runCli(['import', empty], env);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(
          /-empty\.(csv: empty; the first line names|ndjson: empty; each line is a JSON object with) the columns: externalId, kind, /,
        );
      }
      const dry = await runCli(['import', join(EXAMPLES, 'import.csv'), '--dry-run'], env);
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(
        'no database set up yet: checking against an empty one (nothing is written)',
      );
      expect(dry.stdout).toMatch(/7 rows checked, 0 bad line\(s\); nothing was written/);
      const sim = await runCli(['policy', 'simulate', join(EXAMPLES, 'policy-gold-before-blue.json')], env);
      expect(sim.code).toBe(0);
      expect(sim.stdout).toMatch(/0 of 0 parties would change color/);
      // No PGlite cluster made, no generated secret.
      expect(readdirSync(dataDir)).toEqual(kind === 'pglite' ? ['pgdata'] : []);
      if (kind === 'pglite') expect(readdirSync(join(dataDir, 'pgdata'))).toEqual([]);
      if (pgdb) expect(await query(env, tables)).toEqual([{ n: 0 }]);

      expect((await runCli(['migrate'], env)).code).toBe(0);
      const last = sql`(select max(created_at) from drizzle.__drizzle_migrations)`;
      await query(
        env,
        sql`update drizzle.__drizzle_migrations set created_at = created_at - 1 where created_at = ${last}`,
      );
      const behind = await runCli(['import', join(EXAMPLES, 'import.csv'), '--dry-run'], env);
      expect(behind.code).toBe(1);
      expect(behind.stderr).toMatch(
        /the database lacks 1 migration\(s\) of this version; run fivecolor-server migrate first \(this command writes nothing\)/,
      );
      await query(
        env,
        sql`update drizzle.__drizzle_migrations set created_at = created_at + 1 where created_at = ${last}`,
      );

      // Set up: the dry run reads it, and leaves it without the secret's fingerprint.
      const secret = { ...env, FIVECOLOR_SECRET: 'a-secret-for-the-dry-run-test' };
      expect((await runCli(['import', join(EXAMPLES, 'import.csv'), '--dry-run'], secret)).code).toBe(0);
      const fingerprints = sql`select count(*)::int as n from settings where key = 'secret_check'`;
      expect(await query(env, fingerprints)).toEqual([{ n: 0 }]);
      expect(existsSync(join(dataDir, 'secret'))).toBe(false);
      expect((await runCli(['import', join(EXAMPLES, 'import.csv')], secret)).code).toBe(0);
      expect(await query(env, fingerprints)).toEqual([{ n: 1 }]);
    } finally {
      await pgdb?.drop();
    }
  });

  it('a dry run rejects what the real run rejects, word for word: content changed since an import, a stored record again, repairs breaking a rule', async () => {
    const { env, drop } = await freshEnv(kind);
    try {
      const file = join(env.FIVECOLOR_DATA_DIR as string, '..', `parity-${kind}-${Date.now()}.csv`);
      const [p1, p2, p3] = residentIds(3, 500) as [string, string, string];
      // The case number follows from the external id: the same row twice is the same row.
      const line = (ext: string, id: string, category: string, from: string, repairs = '') =>
        `${ext},person,RESIDENT_ID,${id},某某,${category},浙0212,（2025）浙0212${category === 'B01' ? '执' : '民初'}${ext.charCodeAt(0)}${ext.slice(2)}号,${from},,,${repairs}`;
      writeFileSync(
        file,
        `${HEADER}\n${[
          line('S-1', p1, 'Y14', '2025-01-01'),
          line('S-2', p2, 'Y05', '2025-01-01'),
          line('S-3', p2, 'Y14', '2025-01-01'),
        ].join('\n')}\n`,
      );
      expect((await runCli(['import', file], env)).code).toBe(0);
      writeFileSync(
        file,
        `${HEADER}\n${[
          line('S-1', p1, 'Y14', '2025-02-01'), // 2: content changed
          line('S-3', p2, 'Y14', '2025-01-01'), // 3: unchanged
          line('F-1', p3, 'Y14', '2025-01-01'),
          line('F-2', p3, 'Y05', '2025-01-01'),
          line('R-1', p3, 'B01', '2025-06-01', 'F-2'), // 6: in the file, not repairable
          line('R-2', p1, 'B01', '2025-06-01', 'S-3'), // 7: stored, another party's
          line('R-3', p2, 'B01', '2025-06-01', 'S-2'), // 8: stored, not repairable
          line('R-4', p1, 'B01', '2025-06-01', 'F-1'), // 9: in the file, another party's
          line('R-5', p3, 'B01', '2025-06-01', 'F-1'),
          line('R-6', p1, 'B01', '2025-06-01', 'NOPE'), // 11: nowhere
          line('R-7', p2, 'B01', '2025-06-01', 'S-3'),
          line('R-8', p3, 'B01', '2025-07-01', 'R-5'), // 13: another repair of the file
          line('S-2', p2, 'Y05', '2025-01-01').replace('S-2', 'C-2'), // 14: S-2 again under another id
          line('R-9', p2, 'B01', '2025-06-01', 'C-2'), // 15: lists the copy, which is not written
          line('N-1', p1, 'Y05', '2025-03-01').replace('某某', '某某某'), // 16: names a stored party otherwise
        ].join('\n')}\n`,
      );
      const problems = (out: string) =>
        out
          .split('\n')
          .filter((l) => l.startsWith('line '))
          .map((l) => l.replace(/rec_[\w-]+/, 'rec_*'))
          .sort();
      const dry = await runCli(['import', file, '--dry-run'], { ...env, FIVECOLOR_PROGRESS_MS: '0' });
      expect(dry.code).toBe(1);
      // Not on a terminal: lines, the last counting every row, the lines refused as they are read too.
      const lines = dry.stdout.split('\n').filter((l) => /^ {2}\d/.test(l));
      expect(lines.at(-1)).toMatch(/^ {2}15 rows checked, [\d,]+ rows\/s, 100% of the file read$/);
      expect(dry.stdout).toMatch(
        /15 rows checked, 9 bad line\(s\), 1 imported before \(unchanged\), 1 line\(s\) named a party differently: the stored name is kept; nothing was written/,
      );
      const real = await runCli(['import', file], env);
      expect(real.code).toBe(1);
      expect(problems(dry.stdout)).toEqual(problems(real.stdout));
      expect(problems(dry.stdout)).toEqual([
        'line 11, column repairs: item 1 is not in the file nor stored from court-import',
        'line 13, column repairs: lists "R-5", of category B01, which is not repairable',
        'line 14, column caseNumber: the same record (party, category, case number, effectiveFrom) is already stored: rec_* from court-import as "S-2"; leave the line out, or revoke the stored one first',
        'line 15, column repairs: item 1 is not in the file nor stored from court-import',
        "line 16, column name: differs from the party's stored name; the stored name is kept",
        'line 2, column externalId: already imported from court-import with different content; correct it with record.amend',
        'line 6, column repairs: lists "F-2", of category Y05, which is not repairable',
        'line 7, column repairs: lists "S-3", a record of another party',
        'line 8, column repairs: lists "S-2", of category Y05, which is not repairable',
        'line 9, column repairs: lists "F-1", a record of another party',
      ]);
      expect(real.stdout).toMatch(
        /created 5, unchanged 1, rejected 9; parties registered 1 \(1 line\(s\) named a party differently: the stored name is kept\)/,
      );
      // Run again in batches of one row (what a repair lists is now stored): the same lines refused (line 16
      // is imported now: unchanged).
      expect(problems((await runCli(['import', file, '--batch', '1'], env)).stdout)).toEqual(
        problems(dry.stdout).filter((l) => !l.startsWith('line 16,')),
      );
    } finally {
      await drop();
    }
  });

  it('imports UTF-8 with a BOM and GB18030, keeps legacy case numbers as written, and verifies', async () => {
    const { env, drop } = await freshEnv(kind);
    try {
      const file = join(env.FIVECOLOR_DATA_DIR as string, '..', `bom-${kind}-${Date.now()}.csv`);
      const [a] = residentIds(1, 500);
      writeFileSync(
        file,
        `\uFEFF${HEADER}\nU-1,person,RESIDENT_ID,${a},赵某,Y14,浙0212,（2014）甬北民初字第9号,2014/6/3,indefinite,,\n`,
      );
      // GB18030 behind a UTF-8 byte-order mark: read as UTF-8, the hint; with it, read.
      const bomGb = join(env.FIVECOLOR_DATA_DIR as string, '..', `bom-gb-${kind}-${Date.now()}.csv`);
      writeFileSync(
        bomGb,
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(join(EXAMPLES, 'import-gb18030.csv'))]),
      );
      const hint = await runCli(['import', bomGb, '--dry-run'], env);
      expect(hint.code).toBe(1);
      expect(hint.stderr).toMatch(/: line 2 \(byte [\d,]+\): not valid UTF-8; .*add --encoding gb18030/);
      const bomRead = await runCli(['import', bomGb, '--encoding', 'gb18030', '--dry-run'], env);
      expect(bomRead.stderr).toBe('');
      expect(bomRead.stdout).toMatch(/7 rows checked, 0 bad line\(s\); nothing was written/);
      const utf8 = await runCli(['import', file], env);
      expect(utf8.stderr).toBe('');
      expect(utf8.stdout).toMatch(/created 1, unchanged 0, rejected 0; parties registered 1/);
      const gb = await runCli(
        ['import', join(EXAMPLES, 'import-gb18030.csv'), '--encoding', 'gb18030', '--source', 'legacy-cms'],
        env,
      );
      expect(gb.stderr).toBe('');
      expect(gb.code).toBe(0);
      expect(gb.stdout).toMatch(/created 7, unchanged 0, rejected 0; parties registered 5/);
      const rows = await query<{ external_id: string; case_number: string; note: string }>(
        env,
        sql`select external_id, case_number, note from records where external_id in ('U-1', 'CMS-0002') order by external_id`,
      );
      expect(rows).toEqual([
        { external_id: 'CMS-0002', case_number: '（2015）甬民二终字第123号', note: '历史案件：拒不履行' },
        { external_id: 'U-1', case_number: '（2014）甬北民初字第9号', note: null },
      ]);
      const feed = await query<{ kind: string; n: number }>(
        env,
        sql`select kind, count(*)::int as n from changes group by kind order by kind`,
      );
      expect(feed).toEqual([
        { kind: 'color.changed', n: 7 }, // 周某 went yellow, then blue with the repair imported after
        { kind: 'record.created', n: 8 },
      ]);
      const v = await runCli(['verify'], env);
      expect(v.stdout).toMatch(/^verified: .* 8 records, 6 party states/m);
    } finally {
      await drop();
    }
  });

  it('stopped with SIGTERM, says so and how to finish', async () => {
    const { env, drop } = await freshEnv(kind);
    try {
      const file = join(env.FIVECOLOR_DATA_DIR as string, '..', `stop-${kind}-${Date.now()}.csv`);
      // Far more rows than the first batch: the signal (sent once a batch is done) lands while it runs,
      // however late a busy machine delivers the child's output.
      const ids = residentIds(15_000, 3000);
      const body = ids.map(
        (id, i) =>
          `S-${i},person,RESIDENT_ID,${id},孙某,Y05,浙0212,（2025）浙0212民初${i + 1}号,2025-03-01,,,`,
      );
      writeFileSync(file, `${HEADER}\n${body.join('\n')}\n`);
      const stopped = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = fork(cliPath, ['import', file, '--batch', '150'], {
          env: { ...process.env, LOG_LEVEL: 'warn', ...env, FIVECOLOR_PROGRESS_MS: '0' },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
        let out = '';
        let err = '';
        child.stderr?.on('data', (d) => (err += d));
        child.stdout?.on('data', (d) => {
          out += d;
          // Once: a second SIGTERM, sent while the first is being handled (the handler is gone by then),
          // ends the process as the signal does by default (exit code null), as a second Ctrl-C would.
          if (!child.killed && /[\d,]+ rows done/.test(out)) child.kill('SIGTERM');
        });
        child.on('exit', (code) => resolve({ code, err }));
      });
      expect(stopped.code).toBe(143);
      expect(stopped.err).toMatch(
        /^fivecolor-server import: stopped by SIGTERM after [\d,]+ records created; run the same command again to finish/,
      );
    } finally {
      await drop();
    }
  });

  it('finishes after kill -9 with every row exactly once, and verify passes', async () => {
    const { env, drop } = await freshEnv(kind);
    try {
      const file = join(env.FIVECOLOR_DATA_DIR as string, '..', `resume-${kind}-${Date.now()}.csv`);
      const count = 3000;
      const ids = residentIds(count / 2, 1000);
      // Every 100th line of the second half names the record of a line 1,500 before it again, under its own
      // id: refused, whether or not the import is interrupted between the two.
      const body = Array.from({ length: count }, (_, i) => {
        const j = i >= count / 2 && i % 100 === 0 ? i - count / 2 : i;
        const cat = ['Y05', 'R01', 'G01'][j % 3];
        return `K-${i},person,RESIDENT_ID,${ids[j >> 1]},钱某,${cat},浙0212,（2025）浙0212民初${j + 1}号,2025-0${1 + (j % 9)}-01,,,`;
      });
      writeFileSync(file, `${HEADER}\n${body.join('\n')}\n`);
      // Killed right after the first progress line that counts a batch (150 rows): it follows the batch's
      // commit (the 15 lines refused as they are read count on their own, earlier maybe).
      const killed = await new Promise<string>((resolve) => {
        const child = fork(cliPath, ['import', file, '--batch', '150'], {
          // A progress line after every committed batch.
          env: { ...process.env, LOG_LEVEL: 'warn', ...env, FIVECOLOR_PROGRESS_MS: '0' },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
        let out = '';
        child.stdout?.on('data', (d) => {
          out += d;
          const done = [...out.matchAll(/([\d,]+) rows done/g)].map((m) => Number(m[1]?.replaceAll(',', '')));
          if (done.some((n) => n >= 150)) child.kill('SIGKILL');
        });
        child.on('exit', (_code, signal) => resolve(`${signal} ${out}`));
      });
      expect(killed).toMatch(/^SIGKILL /);
      expect(killed).not.toMatch(/created \d+/);
      const [partial] = await query<{ n: number }>(env, sql`select count(*)::int as n from records`);
      expect(Number(partial?.n)).toBeGreaterThan(0);
      expect(Number(partial?.n)).toBeLessThan(count);

      const again = await runCli(['import', file, '--batch', '1000'], env);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(1); // the lines naming a record twice
      const copies = 15;
      expect(again.stdout).toContain(
        `created ${(count - copies - Number(partial?.n)).toLocaleString('en-US')}, unchanged ${Number(partial?.n).toLocaleString('en-US')}, rejected ${copies}`,
      );
      expect(again.stdout).toContain(
        'line 1502, column caseNumber: names the same record (party, category, case number, effectiveFrom) as line 2',
      );
      const [all] = await query<{ n: number; ext: number; parties: number; created: number }>(
        env,
        sql`select count(*)::int as n, count(distinct external_id)::int as ext,
              (select count(*)::int from parties) as parties,
              (select count(*)::int from changes where kind = 'record.created') as created from records`,
      );
      expect(all).toEqual({
        n: count - copies,
        ext: count - copies,
        parties: count / 2,
        created: count - copies,
      });
      const v = await runCli(['verify'], env);
      expect(v.stderr).toBe('');
      expect(v.code).toBe(0);
    } finally {
      await drop();
    }
  });
});
