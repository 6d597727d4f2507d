// pnpm bench (packages/api): exchange.import records/s — 1000 records of 1000 unknown parties in one call
// (registering them on the way), the same call again (all unchanged) and with changed notes (all
// amended) — against a baseline measured in this run: the same number of records through
// record.create one by one (parties registered beforehand, not timed). In process (app.request), on
// PGlite in memory and, with DATABASE_URL, on PostgreSQL. BENCH_IMPORT_RECORDS sets the count.
import { toCstDate } from '@fivecolor/core';
// Run with tsx: it uses the test kit from the sources.
import { createHarness } from '../src/testing/harness.ts';
import { residentIds } from '../src/testing/ids.ts';
import { dbKinds } from '../src/testing/test-db.ts';

const N = Number(process.env.BENCH_IMPORT_RECORDS ?? 1000);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

for (const kind of dbKinds()) {
  const h = await createHarness(kind, { badgeCache: false });
  const day = toCstDate(new Date());
  const category = (i) => ['Y14', 'Y05', 'R03', 'G01'][i % 4];

  const partyIds = [];
  const known = residentIds(N, 0);
  const fresh = residentIds(N, 100_000);
  for (const idNumber of known) {
    const r = await h.call(
      'party.register',
      { kind: 'person', idType: 'RESIDENT_ID', idNumber, name: '章某某' },
      h.keys.clerk,
    );
    partyIds.push(r.data.partyId);
  }
  const baseline = await timed(async () => {
    for (let i = 0; i < N; i++) {
      const r = await h.call(
        'record.create',
        {
          partyId: partyIds[i],
          category: category(i) === 'G01' ? 'Y06' : category(i),
          court: '浙0212',
          caseNumber: '（2025）浙0212民初1号',
          effectiveFrom: day,
        },
        h.keys.judge,
      );
      if (r.error) throw new Error(r.error.message);
    }
  });

  const records = Array.from({ length: N }, (_, i) => ({
    externalId: `NB-${i}`,
    kind: 'person',
    idType: 'RESIDENT_ID',
    idNumber: fresh[i],
    name: '章某某',
    category: category(i),
    effectiveFrom: day,
    caseNumber: '（2025）浙0212民初1号',
  }));
  const run = async (recs, expected) => {
    const r = await h.call('exchange.import', { records: recs }, h.keys.exchange);
    if (r.error) throw new Error(r.error.message);
    const bad = r.data.results.filter((x) => x.status !== expected);
    if (bad.length > 0) throw new Error(`${bad.length} not ${expected}: ${JSON.stringify(bad[0])}`);
  };
  const created = await timed(() => run(records, 'created'));
  const unchanged = await timed(() => run(records, 'unchanged'));
  const amended = await timed(() =>
    run(
      records.map((r) => ({ ...r, note: 'corrected' })),
      'amended',
    ),
  );

  const rate = (s) => N / s;
  console.log(`exchange.import on ${kind}, ${fmt(N)} records in one call:`);
  console.log(
    `  baseline record.create one by one: ${fmt(rate(baseline))} records/s (${baseline.toFixed(1)} s)`,
  );
  for (const [what, s] of [
    ['created (parties registered on the way)', created],
    ['unchanged (same call again)', unchanged],
    ['amended (changed notes)', amended],
  ])
    console.log(`  import, ${what}: ${fmt(rate(s))} records/s = ${(baseline / s).toFixed(1)}× baseline`);
  await h.close();
}
