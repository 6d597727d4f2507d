import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  activePolicy,
  applyPolicy,
  checkPolicyFits,
  type Db,
  LISTENER_APPLICATION_NAME,
  PolicyMisfit,
  simulate,
} from '@fivecolor/api';
import { defaultPolicy, isIsoDate, type Policy, toCstDate, validatePolicy } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import type { ServerConfig } from './config.js';
import { countParties } from './demo.js';
import type { WithDatabase } from './import.js';
import { count, partiesProgress } from './progress.js';

/**
 * `fivecolor-server policy simulate FILE [--as-of DATE]` and `policy apply FILE [--force]`: what a policy
 * (core's JSON format) would change, and making it the active one (every state recomputed, color changes
 * on the change feed, audited; see `applyPolicy`). Apply refuses while a server runs on the database
 * (PostgreSQL) unless forced.
 */
export async function policyCommand(
  [sub, ...args]: string[],
  config: ServerConfig,
  withDatabase: WithDatabase,
): Promise<number> {
  if (sub !== 'apply' && sub !== 'simulate')
    throw new Error(
      `policy: unknown subcommand ${JSON.stringify(sub ?? '')}; use: policy simulate FILE, or policy apply FILE`,
    );
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'as-of': { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new Error(`policy ${sub}: give one FILE, a policy as JSON`);
  if (sub === 'apply' && values['as-of'] !== undefined)
    throw new Error('--as-of: only for policy simulate (apply recomputes every state as of today)');
  if (sub === 'simulate' && values.force) throw new Error('--force: only for policy apply');
  const asOf = values['as-of'] ?? toCstDate(new Date());
  if (!isIsoDate(asOf)) throw new Error('--as-of: must be a date YYYY-MM-DD');
  const policy = await readPolicyFile(file);
  await withDatabase(
    config,
    async (db) => {
      const current = (await activePolicy(db)) ?? defaultPolicy;
      const started = performance.now();
      if (sub === 'simulate') {
        const progress = partiesProgress('simulating', await countParties(db));
        const r = await simulate(db, current, policy, asOf, {
          onProgress: progress.update,
        }).finally(progress.stop);
        console.log(
          `policy ${policy.id} as of ${r.asOf} (now ${current.id}): ${count(r.changed)} of ${count(r.parties)} parties would change color`,
        );
        console.log(`transitions: ${JSON.stringify(r.transitions)}`);
        if (r.sample.length > 0)
          console.log(`for example: ${r.sample.map((p) => `${p.partyId} ${p.from}→${p.to}`).join(', ')}`);
      } else {
        await checkPolicyFits(db, policy, true); // a policy refused is told before servers are stopped for it
        const servers = await runningServers(db);
        if (servers > 0 && !values.force)
          throw new Error(
            `policy apply: ${servers} server process(es) are running on this database; stop them first (one still running the old policy would recompute states back under it), or pass --force`,
          );
        const progress = partiesProgress('applying', await countParties(db));
        const r = await applyPolicy(db, policy, { onProgress: progress.update }).finally(progress.stop);
        console.log(
          `policy ${r.policyId} is active (was ${r.previousPolicyId}${r.resumed ? '; it was already: this run finished its recomputation' : ''}): ${count(r.parties)} parties recomputed, ${count(r.changed)} changed color ${JSON.stringify(r.transitions)}`,
        );
        if (r.overtaken > 0)
          console.log(
            `${count(r.overtaken)} stored states had been overtaken by time (a term ended since they were computed); a move time alone made is fed with cause "time"`,
          );
        // A server that started while the policy was stored may have read the old one (one that starts
        // after its LISTEN is counted here reads the new one).
        const startedMeanwhile = values.force ? 0 : await runningServers(db);
        if (startedMeanwhile > 0)
          throw new Error(
            `policy apply: policy ${r.policyId} is active, but ${startedMeanwhile} server process(es) started on this database while it was applied; restart them (one may be running the old policy)`,
          );
        console.log('start the servers again; reports already issued keep their policy');
      }
      console.log(`in ${((performance.now() - started) / 1000).toFixed(1)} s (${db.kind})`);
    },
    { readOnly: sub === 'simulate' },
  ).catch((err: unknown) => {
    throw err instanceof PolicyMisfit ? new Error(`${file}: ${err.message}`) : err;
  });
  return 0;
}

/** Server processes on this PostgreSQL database: each holds one listener connection (PGlite: none can). */
async function runningServers(db: Db): Promise<number> {
  if (db.kind !== 'postgres') return 0;
  const res = (await db.db.execute(
    sql`select count(*)::int as n from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`,
  )) as unknown as { rows: { n: number }[] };
  return Number(res.rows[0]?.n ?? 0);
}

/** A policy file (core's JSON format, UTF-8 with or without a byte-order mark); errors name the file. */
export async function readPolicyFile(file: string): Promise<Policy> {
  try {
    // A byte-order mark, as Windows Notepad saves UTF-8, is not part of the JSON.
    return validatePolicy(JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, '')));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(
      // Not the parser's message: it quotes the text, which may be anything (a file of people by mistake).
      `${file}: ${e.code === 'ENOENT' ? 'no such file' : err instanceof SyntaxError ? 'not valid JSON; give a policy as JSON (as policy.get answers it)' : e.message}`,
    );
  }
}
