// pnpm bench (packages/api): report signatures/s and offline verifications/s against bare jose on a
// same-size payload (the baseline, measured in this run), and reports issued/s through report.issue on
// PGlite and (with DATABASE_URL) PostgreSQL. Run with UV_THREADPOOL_SIZE=1 so crypto uses one worker.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompactSign, compactVerify, createLocalJWKSet, importPKCS8 } from 'jose';
// Run with tsx (`pnpm --filter @fivecolor/api bench`): it measures internals that are not exported.
import { createApiKey } from '../src/auth/api-keys.ts';
import { createFivecolor } from '../src/http/create-app.ts';
import { createLogger } from '../src/http/logger.ts';
import { signReport } from '../src/reports/report-kit.ts';
import { parseSigningKey } from '../src/reports/signing-keys.ts';
import { appRouter } from '../src/routers/root.ts';
import { residentId } from '../src/testing/ids.ts';
import { openTestDb } from '../src/testing/test-db.ts';
import { createCallerFactory } from '../src/trpc/trpc.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ISSUES = Number(process.env.BENCH_REPORTS ?? 300);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const quiet = createLogger({ level: 'silent' });

/** Runs `fn` back to back (16 in flight) for SECONDS; returns operations per second. */
async function rate(fn) {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  const end = performance.now() + SECONDS * 1000;
  let ops = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await Promise.all(Array.from({ length: 16 }, fn));
    ops += 16;
  }
  return ops / ((performance.now() - start) / 1000);
}

/** Opens an app on `kind`, registers a party with three records, returns a caller and the party. */
async function setup(kind) {
  const db = await openTestDb(kind);
  const secret = 'bench-secret-0123456789abcdef';
  const app = await createFivecolor({ db, secret, logger: quiet, reports: { court: '浙02' } });
  const judge = await createApiKey(db, secret, { role: 'judge', name: 'bench', court: '浙02' });
  const createCaller = createCallerFactory(appRouter);
  const principal = { kind: 'key', id: judge.id, role: 'judge', name: 'bench', org: 'bench', court: '浙02' };
  const caller = createCaller({ deps: app.deps, principal, requestId: 'bench' });
  const { partyId } = await caller.party.register({
    kind: 'person',
    idType: 'RESIDENT_ID',
    idNumber: residentId(1),
    name: '章某某',
  });
  for (const [i, category] of ['Y14', 'Y05', 'R03'].entries())
    await caller.record.create({
      partyId,
      category,
      court: '浙0212',
      caseNumber: `（2025）浙0212民初${i + 1}号`,
      effectiveFrom: '2025-06-01',
    });
  return { db, app, caller, partyId };
}

async function issueRate(kind, concurrency) {
  const { db, app, caller, partyId } = await setup(kind);
  let sample;
  for (let i = 0; i < 20; i++) sample = await caller.report.issue({ partyId }); // warm-up, first key
  const start = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (done < ISSUES) {
        done++;
        await caller.report.issue({ partyId });
      }
    }),
  );
  const perSecond = done / ((performance.now() - start) / 1000);
  await app.close();
  await db.close();
  return { perSecond, sample };
}

const { perSecond: pgliteIssues, sample } = await issueRate('pglite', 1);
const payload = new TextEncoder().encode(JSON.stringify(sample.report));
console.log(`report payload: ${payload.length} bytes, ${sample.report.records.length} records`);

// Baseline: bare jose on a same-size payload with a WebCrypto Ed25519 key.
const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const bareKey = await importPKCS8(pem, 'EdDSA');
const key = await parseSigningKey(pem);
const jwks = { keys: [key.publicJwk] };
const bareSign = await rate(() =>
  new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(bareKey),
);
const sign = await rate(() => signReport(sample.report, key));
const signed = await signReport(sample.report, key);
const localSet = createLocalJWKSet(jwks);
const bareVerify = await rate(() => compactVerify(signed, localSet));

const clientDist = fileURLToPath(new URL('../../client/dist/index.js', import.meta.url));
let verify;
let verifier = '@fivecolor/client verifyReport';
if (existsSync(clientDist)) {
  const { verifyReport } = await import(clientDist);
  if (typeof verifyReport === 'function') verify = () => verifyReport(signed, jwks);
}
if (!verify) {
  verifier = 'jose compactVerify + JSON.parse (client dist not built)';
  verify = async () => JSON.parse(new TextDecoder().decode((await compactVerify(signed, localSet)).payload));
}
const verifies = await rate(verify);

let pgIssues = null;
if (process.env.DATABASE_URL) pgIssues = (await issueRate('postgres', 8)).perSecond;

const ratio = (a, b) => `${(a / b).toFixed(2)}× bare jose`;
console.log('');
console.log('| what | per second | vs baseline | target |');
console.log('|---|---:|---|---|');
console.log(`| bare jose Ed25519 sign (baseline) | ${fmt(bareSign)} | 1.00× | |`);
console.log(
  `| report signatures (signReport) | ${fmt(sign)} | ${ratio(sign, bareSign)} | ≥ 2,000 ${sign >= 2000 ? 'met' : 'MISSED'} |`,
);
console.log(`| bare jose Ed25519 verify (baseline) | ${fmt(bareVerify)} | 1.00× | |`);
console.log(
  `| offline verifications (${verifier}) | ${fmt(verifies)} | ${ratio(verifies, bareVerify)} | ≥ 5,000 ${verifies >= 5000 ? 'met' : 'MISSED'} |`,
);
console.log(
  `| reports issued via report.issue, PGlite, sequential | ${fmt(pgliteIssues)} | ${ratio(pgliteIssues, bareSign)} | |`,
);
if (pgIssues !== null)
  console.log(
    `| reports issued via report.issue, PostgreSQL, 8 concurrent | ${fmt(pgIssues)} | ${ratio(pgIssues, bareSign)} | |`,
  );
else console.log('| reports issued, PostgreSQL | (set DATABASE_URL) | | |');
