// pnpm bench (packages/api): what `fivecolor-server verify` (verifyIntegrity) costs per 100,000 rows,
// against a baseline measured in this run: reading the same rows and hashing each with plain sha256.
// On PGlite in memory (and PostgreSQL with DATABASE_URL): BENCH_VERIFY_PARTIES parties (default
// 20,000), each with one record and its state, one audit row per 2,000 records vouching for them.
import { createHash } from 'node:crypto';
import { defaultPolicy } from '@fivecolor/core';
// Run with tsx: it measures internals that are not exported.
import { appendAudit } from '../src/audit/audit-log.ts';
import { rowsDetail } from '../src/audit/row-hash.ts';
import { verifyIntegrity } from '../src/audit/verify-integrity.ts';
import { auditLog, parties, partyState, records } from '../src/db/schema.ts';
import { materializeParty } from '../src/state/materialize.ts';
import { openTestDb } from '../src/testing/test-db.ts';

const PARTIES = Number(process.env.BENCH_VERIFY_PARTIES ?? 20_000);
const BATCH = 2000;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const CATEGORIES = ['Y05', 'Y14', 'R03'];

async function seed(db) {
  const createdAt = new Date();
  for (let start = 0; start < PARTIES; start += BATCH) {
    const ps = [];
    const rs = [];
    const ss = [];
    for (let i = start; i < Math.min(PARTIES, start + BATCH); i++) {
      const id = `pty_bench_${String(i).padStart(8, '0')}`;
      ps.push({
        id,
        kind: 'person',
        idType: 'RESIDENT_ID',
        identityHash: `h${i}`,
        idNumberEnc: 'x',
        nameEnc: 'x',
        nameMasked: '章**',
        idNumberMasked: '330***',
        createdBy: 'bench',
        createdAt,
      });
      const r = {
        id: `rec_bench_${String(i).padStart(8, '0')}`,
        partyId: id,
        category: CATEGORIES[i % 3],
        court: '浙02',
        caseNumber: `（2025）浙02民初${i}号`,
        effectiveFrom: '2025-01-01',
        effectiveUntil: '2029-01-01',
        source: 'court',
        revision: 0,
        createdBy: 'bench',
        createdAt,
      };
      rs.push(r);
      ss.push({ ...materializeParty(id, [r], { policy: defaultPolicy }), version: 1 });
    }
    await db.db.transaction(async (tx) => {
      for (let k = 0; k < ps.length; k += 500) {
        await tx.insert(parties).values(ps.slice(k, k + 500));
        await tx.insert(records).values(rs.slice(k, k + 500));
        await tx.insert(partyState).values(ss.slice(k, k + 500));
      }
      await appendAudit(tx, {
        actorId: 'bench',
        actorRole: 'operator',
        actorOrg: null,
        action: 'seed',
        detail: rowsDetail('records', rs),
      });
    });
  }
}

/** The baseline: read the same rows (audit log, records, states) in pages and sha256 each one's JSON. */
async function baseline(db) {
  let n = 0;
  for (const table of [auditLog, records, partyState]) {
    const rows = await db.db.select().from(table);
    for (const row of rows) {
      createHash('sha256').update(JSON.stringify(row)).digest('hex');
      n++;
    }
  }
  return n;
}

async function measure(kind) {
  const db = await openTestDb(kind);
  try {
    await seed(db);
    await baseline(db); // warm-up
    const b0 = performance.now();
    const rows = await baseline(db);
    const base = performance.now() - b0;
    const v0 = performance.now();
    const r = await verifyIntegrity(db, { policy: defaultPolicy });
    const verify = performance.now() - v0;
    if (!r.ok) throw new Error(`bench database does not verify: ${JSON.stringify(r.mismatches[0])}`);
    const per100k = (ms) => (ms * 100_000) / rows;
    return { rows, base: per100k(base), verify: per100k(verify) };
  } finally {
    await db.close();
  }
}

const results = [['PGlite', await measure('pglite')]];
if (process.env.DATABASE_URL) results.push(['PostgreSQL', await measure('postgres')]);
console.log('');
console.log(`verify: ${fmt(PARTIES)} parties, one record each (BENCH_VERIFY_PARTIES)`);
console.log(
  '| database | rows | read + sha256 per 100k rows (baseline) | verify per 100k rows | vs baseline |',
);
console.log('|---|---:|---:|---:|---:|');
for (const [name, m] of results)
  console.log(
    `| ${name} | ${fmt(m.rows)} | ${fmt(m.base)} ms | ${fmt(m.verify)} ms | ${(m.verify / m.base).toFixed(2)}× |`,
  );
