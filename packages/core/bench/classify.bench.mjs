// Classification throughput against a general-purpose rule engine, and the core bundle size.
// Run: pnpm --filter @fivecolor/core bench   (after pnpm build)
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { Engine } from 'json-rules-engine';
import { catalog, classify, timeline } from '../dist/index.js';

const DAY = 86_400_000;
const base = Date.UTC(2018, 0, 1);
let seed = 42;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const isoDay = (n) => new Date(base + n * DAY).toISOString().slice(0, 10);
const kinds = catalog.filter((c) => c.code !== 'N01' && c.code !== 'B01');

function party(n) {
  const records = [];
  for (let i = 0; i < n; i++) {
    const cat = kinds[Math.floor(rand() * kinds.length)];
    records.push({ id: `r${i}`, category: cat.code, effectiveFrom: isoDay(Math.floor(rand() * 3000)) });
    if (cat.repairable && rand() < 0.3) {
      records.push({
        id: `r${i}b`,
        category: 'B01',
        effectiveFrom: isoDay(Math.floor(rand() * 3000)),
        repairs: [`r${i}`],
      });
      i++;
    }
  }
  return records.slice(0, n);
}
const small = Array.from({ length: 1000 }, (_, i) => party(i % 6));
const large = Array.from({ length: 100 }, () => party(50));
const asOfs = Array.from({ length: 64 }, () => isoDay(Math.floor(rand() * 3500)));

/** Runs fn repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
function rate(fn, ms = 1500) {
  for (let i = 0; i < 2000; i++) fn(i);
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) fn(ops + i);
    ops += 1000;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

// The baseline: the same decision written for json-rules-engine, as an integrator would: one rule per
// color, prioritised by precedence, over facts the rule engine compares (dates as YYYYMMDD numbers).
const engine = new Engine([], { allowUndefinedFacts: true });
const precedence = ['red', 'yellow', 'blue', 'gold'];
precedence.forEach((color, i) => {
  engine.addRule({
    priority: 10 - i,
    conditions: {
      all: [
        { fact: 'color', operator: 'equal', value: color },
        { fact: 'revoked', operator: 'equal', value: false },
        { fact: 'from', operator: 'lessThanInclusive', value: { fact: 'asOf' } },
        { fact: 'until', operator: 'greaterThan', value: { fact: 'asOf' } },
        // not lifted: no repair listing it counts on asOf
        {
          any: [
            { fact: 'repairFrom', operator: 'greaterThan', value: { fact: 'asOf' } },
            { fact: 'repairUntil', operator: 'lessThanInclusive', value: { fact: 'asOf' } },
          ],
        },
      ],
    },
    event: { type: color },
  });
});
const num = (iso) => Number(iso.replaceAll('-', ''));
const colorOf = new Map(catalog.map((c) => [c.code, c]));
function ruleFacts(records) {
  // The benchmark's parties have at most one repair per record; its term is B01's P1Y.
  const repairOf = new Map();
  for (const r of records) for (const t of r.repairs ?? []) repairOf.set(t, num(r.effectiveFrom));
  return records.map((r) => {
    const c = colorOf.get(r.category);
    const years = Number(/P(\d+)Y/.exec(c.duration ?? '')?.[1] ?? 0);
    const repairFrom = repairOf.get(r.id) ?? 99999999;
    return {
      color: c.color,
      revoked: !!r.revoked,
      from: num(r.effectiveFrom),
      until: c.duration ? num(r.effectiveFrom) + years * 10000 : 99999999,
      repairFrom,
      repairUntil: repairFrom === 99999999 ? 99999999 : repairFrom + 10000,
    };
  });
}
async function ruleClassify(records, asOf) {
  let best = 4;
  for (const facts of ruleFacts(records)) {
    const { events } = await engine.run({ ...facts, asOf: num(asOf) });
    for (const e of events) best = Math.min(best, precedence.indexOf(e.type));
  }
  return best === 4 ? 'green' : precedence[best];
}
async function asyncRate(fn, ms = 1500) {
  for (let i = 0; i < 200; i++) await fn(i);
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 100; i++) await fn(ops + i);
    ops += 100;
  }
  return (ops * 1000) / (performance.now() - start);
}

// Both implementations must agree before their speeds mean anything.
for (let i = 0; i < 500; i++) {
  const records = small[i],
    asOf = asOfs[i % 64];
  const expected = classify(records, { asOf }).color;
  const got = await ruleClassify(records, asOf);
  if (got !== expected) throw new Error(`baseline disagrees on party ${i}: ${got} vs ${expected}`);
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const smallRate = rate((i) => classify(small[i % 1000], { asOf: asOfs[i & 63] }));
const largeRate = rate((i) => classify(large[i % 100], { asOf: asOfs[i & 63] }), 1000);
const timelineRate = rate((i) => timeline(small[i % 1000]));
const baselineRate = await asyncRate((i) => ruleClassify(small[i % 1000], asOfs[i & 63]));

const bundle = await build({
  entryPoints: [new URL('../dist/index.js', import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: 'esm',
  write: false,
  platform: 'neutral',
});
const code = bundle.outputFiles[0].contents;
const gz = gzipSync(code, { level: 9 }).length;

console.log('@fivecolor/core benchmark (one core, same run)');
console.log(`  classify, 0–5 records:      ${fmt(smallRate)} /s   (target ≥ 2,000,000)`);
console.log(`  classify, 50 records:       ${fmt(largeRate)} /s`);
console.log(`  timeline, 0–5 records:      ${fmt(timelineRate)} /s`);
console.log(`  json-rules-engine baseline: ${fmt(baselineRate)} /s (color only, 0–5 records)`);
console.log(`  ratio classify / baseline:  ${(smallRate / baselineRate).toFixed(0)}×   (target ≥ 100×)`);
console.log(
  `  core bundle: ${(code.length / 1024).toFixed(1)} KB min, ${(gz / 1024).toFixed(1)} KB min+gzip (target ≤ 12 KB, catalog included)`,
);
