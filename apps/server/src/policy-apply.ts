import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { activePolicy, applyPolicy, simulate } from '@fivecolor/api';
import { defaultPolicy, type Policy, toCstDate, validatePolicy } from '@fivecolor/core';
import type { ServerConfig } from './config.js';
import type { WithDatabase } from './import.js';
import { count } from './progress.js';

/**
 * `fivecolor-server policy simulate FILE [--as-of DATE]` and `policy apply FILE`: what a policy (core's
 * JSON format) would change, and making it the active one (every state recomputed, color changes on the
 * change feed, audited; see `applyPolicy`).
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
    options: { 'as-of': { type: 'string' } },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new Error(`policy ${sub}: give one FILE, a policy as JSON`);
  let policy: Policy;
  try {
    policy = validatePolicy(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    throw new Error(
      `${file}: ${err instanceof SyntaxError ? `not valid JSON (${err.message})` : (err as Error).message}`,
    );
  }
  await withDatabase(config, async (db) => {
    const current = (await activePolicy(db)) ?? defaultPolicy;
    const started = performance.now();
    if (sub === 'simulate') {
      const r = await simulate(db, current, policy, values['as-of'] ?? toCstDate(new Date()));
      console.log(
        `policy ${policy.id} as of ${r.asOf} (now ${current.id}): ${r.changed} of ${r.parties} parties would change color`,
      );
      console.log(`transitions: ${JSON.stringify(r.transitions)}`);
      if (r.sample.length > 0)
        console.log(`for example: ${r.sample.map((p) => `${p.partyId} ${p.from}→${p.to}`).join(', ')}`);
    } else {
      let last = 0;
      const r = await applyPolicy(db, policy, {
        onProgress: (n) => {
          if (n - last >= 100_000) {
            last = n;
            console.log(`  ${count(n)} parties recomputed`);
          }
        },
      });
      console.log(
        `policy ${r.policyId} is active (was ${r.previousPolicyId}): ${r.parties} parties recomputed, ${r.changed} changed color ${JSON.stringify(r.transitions)}`,
      );
      console.log(
        'start the servers again (stop them before applying: a server still running the old policy would recompute states back); reports already issued keep their policy',
      );
    }
    console.log(`in ${((performance.now() - started) / 1000).toFixed(1)} s (${db.kind})`);
  });
  return 0;
}
