import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '@fivecolor/api';
import { defaultPolicy } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { databases, freshEnv, runCli } from './helpers.js';

describe.each(databases)('fivecolor-server verify (%s)', (kind) => {
  it('passes a seeded database, then exits 1 naming the record changed behind its back', async () => {
    const { env, drop } = await freshEnv(kind);
    try {
      expect((await runCli(['seed', '--parties', '300'], env)).code).toBe(0);
      expect((await runCli(['keys', 'create', '--role', 'bank', '--name', 'Bank'], env)).code).toBe(0);

      // Progress lines, off a terminal, at most every FIVECOLOR_PROGRESS_MS (here: after every page).
      const clean = await runCli(['verify'], { ...env, FIVECOLOR_PROGRESS_MS: '0' });
      expect(clean.stderr).toBe('');
      expect(clean.code).toBe(0);
      expect(clean.stdout).toMatch(
        /^verified: audit chain [\d,]+ rows \(head seq \d+\), [\d,]+ records, 300 party states/m,
      );
      const progress = clean.stdout.split('\n').filter((l) => l.includes('rows checked'));
      expect(progress[0]).toMatch(/^ {2}[\d,]+ of [\d,]+ rows checked \(\d+ %\), reading audit_log$/);
      expect(progress.at(-1)).toMatch(/^ {2}([\d,]+) of \1 rows checked \(100 %\), reading api_keys$/);

      const signed = await runCli(['verify', '--checkpoint'], env);
      expect(signed.code).toBe(0);
      const jws = signed.stdout.trim().split('\n').at(-1) as string;
      expect(jws.split('.')).toHaveLength(3);
      const saved = join(env.FIVECOLOR_DATA_DIR as string, '..', `audit-head-${kind}-${Date.now()}.jws`);
      writeFileSync(saved, jws);
      expect((await runCli(['verify', '--checkpoint-file', saved], env)).stdout).toMatch(
        /saved checkpoint seq \d+ \(signature verified\)/,
      );

      // Someone with database access makes a record gold (the CLI has exited, so its lock is free). The
      // seed enters every category: pick a record that is not gold already, or nothing would change.
      const db = await openDatabase(
        env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.FIVECOLOR_DATA_DIR as string },
      );
      let recordId: string;
      try {
        const found = (await db.db.execute(
          sql`select id from records where category <> 'G01' order by id limit 1`,
        )) as unknown as {
          rows: { id: string }[];
        };
        recordId = found.rows[0]?.id as string;
        await db.db.execute(sql`update records set category = 'G01' where id = ${recordId}`);
      } finally {
        await db.close();
      }

      const tampered = await runCli(['verify', '--checkpoint', '--checkpoint-file', saved], env);
      expect(tampered.stderr).toBe('');
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toContain(
        `MISMATCH records ${recordId}: row differs from the hash in its newest audit entry`,
      );
      expect(tampered.stdout).toMatch(/[\d,]+ mismatch\(es\); checked audit chain/);
      // No checkpoint is signed over a database that does not verify.
      expect(tampered.stdout).not.toContain('checkpoint: seq');
    } finally {
      await drop();
    }
  });

  it('--policy FILE: compares the states computed under a policy given to the servers in code', async () => {
    const { env, drop } = await freshEnv(kind);
    try {
      expect((await runCli(['seed', '--parties', '40'], env)).code).toBe(0);
      // A deployment that gives createFivecolor its policy in code: its states name that policy, whose
      // rules the store does not keep. One of them is then made gold behind the servers' back.
      const policyFile = join(
        env.FIVECOLOR_DATA_DIR as string,
        '..',
        `court-policy-${kind}-${Date.now()}.json`,
      );
      writeFileSync(policyFile, `\uFEFF${JSON.stringify({ ...defaultPolicy, id: 'court-in-code' })}`);
      const db = await openDatabase(
        env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.FIVECOLOR_DATA_DIR as string },
      );
      let partyId: string;
      try {
        await db.db.execute(sql`update party_state set policy_id = 'court-in-code'`);
        const found = (await db.db.execute(
          sql`select party_id from party_state where color <> 'gold' order by party_id limit 1`,
        )) as unknown as { rows: { party_id: string }[] };
        partyId = found.rows[0]?.party_id as string;
        await db.db.execute(sql`update party_state set color = 'gold' where party_id = ${partyId}`);
      } finally {
        await db.close();
      }

      // Without the policy, verify cannot recompute those states: it counts them as stale.
      const blind = await runCli(['verify'], env);
      expect(blind.code).toBe(0);
      expect(blind.stdout).toMatch(/40 party states \(40 stale, recomputed at their next read\)/);

      const checked = await runCli(['verify', '--policy', policyFile], env);
      expect(checked.stderr).toBe('');
      expect(checked.code).toBe(1);
      expect(checked.stdout).toContain(`MISMATCH party_state ${partyId}: `);
      expect(checked.stdout).toMatch(/^1 mismatch\(es\); checked .* 40 party states \(0 stale/m);

      const missing = await runCli(['verify', '--policy', `${policyFile}.missing`], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`${policyFile}.missing: no such file`);
      // A file of people given by mistake: refused without quoting it.
      const people = `${policyFile}.csv`;
      writeFileSync(people, '张三,330203199001011234,Y05,浙0212\n');
      const wrong = await runCli(['verify', '--policy', people], env);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(
        `${people}: not valid JSON; give a policy as JSON (as policy.get answers it)`,
      );
      expect(wrong.stderr).not.toMatch(/张三|330203/);
      // A policy whose id names the default's with other rules: refused, naming the rule.
      const sameId = `${policyFile}.same-id.json`;
      writeFileSync(
        sameId,
        JSON.stringify({ ...defaultPolicy, precedence: ['yellow', 'red', 'blue', 'gold', 'green'] }),
      );
      const refused = await runCli(['verify', '--policy', sameId], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'policy: "default-2022" names a policy this store has applied with other rules',
      );
    } finally {
      await drop();
    }
  });
});
