// Bulk import: `fivecolor-server import` of a court's history into a database already holding
// BENCH_PARTIES parties (default 1,000,000 on PostgreSQL; at most 100,000 on PGlite), against a raw COPY
// of the same records measured in the same run (rolled back); then policy.simulate over every party.
// PGlite always; PostgreSQL when DATABASE_URL is set. Goals: ≥ 20,000 rows/s and ≥ 30 % of the raw COPY
// on PostgreSQL, ≥ 5,000 rows/s on PGlite, simulate ≤ 60 s for 1,000,000 parties on PostgreSQL.
// BENCH_VERIFY=0 leaves out the closing `verify` (the longest step at full size). BENCH_ROWS sets the
// file's size. BENCH_OLD_CLI=path/to/fivecolor-server.js also imports a second file of the same shape
// (other parties and external ids) with that build, in the same run, before this one: old code vs new.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { migrate, newId, openDatabase, simulate } from '@fivecolor/api';
import { createTestDatabase } from '@fivecolor/api/testing';
import { defaultPolicy, toCstDate } from '@fivecolor/core';
import { from as copyFrom } from 'pg-copy-streams';
import { seedSynthetic } from '../dist/index.js';

const PARTIES = Number(process.env.BENCH_PARTIES ?? 1_000_000);
const KINDS = (
  process.env.BENCH_DATABASES ?? (process.env.DATABASE_URL ? 'pglite,postgres' : 'pglite')
).split(',');
const CLI = fileURLToPath(new URL('../bin/fivecolor-server.js', import.meta.url));
const OLD_CLI = process.env.BENCH_OLD_CLI;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** Resident ids of a region the seed does not use (330205), distinct for n < 10,000,000. */
function residentId(n) {
  const birth = new Date(Date.UTC(1950, 0, 1) + (n % 18_000) * 86_400_000)
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  const body = `330205${birth}${String(Math.floor(n / 18_000) % 1000).padStart(3, '0')}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * W[i];
  return body + '10X98765432'[sum % 11];
}

/** A court history: two records per party on average, a tenth with a pre-2016 case number. */
function historyFile(dir, rows, base = 0) {
  const cats = ['Y05', 'Y14', 'R01', 'G01', 'Y09', 'R03'];
  const lines = [
    'externalId,kind,idType,idNumber,name,category,court,caseNumber,effectiveFrom,effectiveUntil,note,repairs',
  ];
  for (let i = 0; i < rows; i++) {
    const cat = cats[i % cats.length];
    const year = 2010 + (i % 16);
    const caseNumber =
      i % 10 === 0 ? `（${Math.min(year, 2015)}）甬民二终字第${i + 1}号` : `（${year}）浙0212民初${i + 1}号`;
    lines.push(
      `H-${base + i},person,RESIDENT_ID,${residentId(base / 2 + (i >> 1))},王某某,${cat},浙0212,${caseNumber},${year}/${1 + (i % 12)}/${1 + (i % 28)},,历史数据,`,
    );
  }
  const file = join(dir, `history-${base}-${rows}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs the command as a user does: the bin itself, so node starts with the flags of its first line. */
function cli(args, env, bin = CLI) {
  return new Promise((resolve, reject) =>
    execFile(
      bin,
      args,
      { env: { ...process.env, ...env, FIVECOLOR_SECRET: SECRET }, maxBuffer: 1 << 26 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** Raw COPY of `rows` records (ids, a stored party, the file's dates) into `records`, rolled back: the baseline. */
async function rawCopy(db, rows) {
  const partyId = (await db.db.execute('select id from parties limit 1')).rows[0].id;
  let csv = '';
  const now = new Date().toISOString();
  for (let i = 0; i < rows; i++)
    csv += `${newId('rec')},${partyId},Y05,浙0212,（2020）浙0212民初${i + 1}号,2020-01-01,2022-01-01,raw,R-${i},0,bench,${now}\n`;
  const statement =
    'COPY records (id, party_id, category, court, case_number, effective_from, effective_until, source, external_id, revision, created_by, created_at) FROM STDIN WITH (FORMAT csv)';
  const started = performance.now();
  if (db.kind === 'pglite') {
    await db.pglite.exec('BEGIN');
    await db.pglite.query(statement.replace('STDIN', "'/dev/blob'"), [], { blob: new Blob([csv]) });
    const seconds = (performance.now() - started) / 1000;
    await db.pglite.exec('ROLLBACK');
    return seconds;
  }
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await pipeline(Readable.from([csv]), client.query(copyFrom(statement)));
    const seconds = (performance.now() - started) / 1000;
    await client.query('ROLLBACK');
    return seconds;
  } finally {
    client.release();
  }
}

for (const kind of KINDS) {
  const dir = mkdtempSync(join(tmpdir(), 'fivecolor-import-bench-'));
  const t = kind === 'postgres' ? await createTestDatabase() : null;
  const env = { FIVECOLOR_DATA_DIR: dir, DATABASE_URL: t?.url ?? '', LOG_LEVEL: 'warn' };
  const open = () => openDatabase(t ? { databaseUrl: t.url } : { dataDir: dir });
  const parties = kind === 'pglite' ? Math.min(PARTIES, 100_000) : PARTIES;
  const rows = Number(
    process.env.BENCH_ROWS ??
      (kind === 'pglite' ? Math.min(50_000, Math.max(10_000, parties / 2)) : Math.max(20_000, parties / 5)),
  );
  try {
    let db = await open();
    await migrate(db);
    const seeded = performance.now();
    await seedSynthetic(db, SECRET, { parties, offset: 2_000_000 });
    // A store at rest, as a court's would be: not still vacuuming the seed's million rows meanwhile.
    await db.db.execute('vacuum analyze');
    console.log(
      `import bench (${kind}): seeded ${fmt(parties)} parties in ${((performance.now() - seeded) / 1000).toFixed(0)} s`,
    );
    const file = historyFile(dir, rows);
    const copySeconds = await rawCopy(db, rows);
    await db.close();

    const copyRate = rows / copySeconds;
    let oldRate = 0;
    if (OLD_CLI) {
      const old = await cli(
        ['import', historyFile(dir, rows, 10_000_000), '--source', 'bench-history'],
        env,
        OLD_CLI,
      );
      const oldSeconds = Number(/ in ([\d.]+) s,/.exec(old)?.[1]);
      oldRate = rows / oldSeconds;
      console.log(
        `  OLD import of ${fmt(rows)} other rows (${fmt(Number(/created ([\d,]+)/.exec(old)?.[1].replaceAll(',', '')))} created): ${oldSeconds.toFixed(1)} s, ${fmt(oldRate)} rows/s; import/COPY ${((100 * oldRate) / copyRate).toFixed(0)} %`,
      );
    }

    const out = await cli(['import', file, '--source', 'bench-history'], env);
    const seconds = Number(/ in ([\d.]+) s,/.exec(out)?.[1]);
    const created = Number(/created ([\d,]+)/.exec(out)?.[1].replaceAll(',', ''));
    const rate = rows / seconds;
    console.log(
      `  import of ${fmt(rows)} rows (${fmt(created)} created): ${seconds.toFixed(1)} s, ${fmt(rate)} rows/s; ` +
        `raw COPY of the same records ${fmt(copyRate)} rows/s; import/COPY ${((100 * rate) / copyRate).toFixed(0)} % ` +
        `(goal ≥ ${kind === 'postgres' ? '20,000 rows/s and ≥ 30 %' : '5,000 rows/s'})` +
        (OLD_CLI ? `; new/old ${(rate / oldRate).toFixed(2)}×` : ''),
    );
    const again = await cli(['import', file, '--source', 'bench-history'], env);
    console.log(`  the same file again (every row unchanged): ${/ in ([\d.]+) s,/.exec(again)?.[1]} s`);
    // A second history of the same parties (other cases, other ids): every row names a stored party, so
    // each is also looked up among that party's records for the same case stored before.
    const later = join(dir, 'history-later.csv');
    writeFileSync(
      later,
      readFileSync(file, 'utf8')
        .replace(/^H-/gm, 'L-')
        .replace(/(\d+)号,/g, (_, n) => `${Number(n) + 5_000_000}号,`),
    );
    const second = await cli(['import', later, '--source', 'bench-history'], env);
    const secondRate = rows / Number(/ in ([\d.]+) s,/.exec(second)?.[1]);
    console.log(
      `  a second history of the same parties (${/created ([\d,]*\d)/.exec(second)?.[1]} created): ${fmt(secondRate)} rows/s, ${(secondRate / rate).toFixed(2)}× the first`,
    );

    db = await open();
    const candidate = {
      ...defaultPolicy,
      id: 'bench-gold-first',
      precedence: ['red', 'gold', 'yellow', 'blue', 'green'],
    };
    const simStarted = performance.now();
    const sim = await simulate(db, defaultPolicy, candidate, toCstDate(new Date()));
    const simSeconds = (performance.now() - simStarted) / 1000;
    console.log(
      `  policy.simulate over ${fmt(sim.parties)} parties: ${simSeconds.toFixed(1)} s (${fmt(sim.parties / simSeconds)} parties/s), ${fmt(sim.changed)} would change ${JSON.stringify(sim.transitions)}${kind === 'postgres' ? ' (goal ≤ 60 s for 1,000,000)' : ''}`,
    );
    await db.close();
    if (process.env.BENCH_VERIFY === '0') continue; // 9 minutes at 1,000,000 parties
    const verifyStarted = performance.now();
    const v = await cli(['verify'], env);
    console.log(
      `  verify: ${((performance.now() - verifyStarted) / 1000).toFixed(1)} s — ${v.trim().split('\n').at(-1)}`,
    );
  } finally {
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
