import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Role, roleTable } from '../auth/roles.js';
import { rowsOf } from '../db/rows.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { appRouter } from './root.js';

const procedures = Object.keys(appRouter._def.procedures as object).sort();

/** Random inputs: any JSON, plus objects with the real field names and hostile values. */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  // Any UTF-16 code units, unpaired surrogates included.
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    '\u0000',
    '\ud800',
    'a\udc00b',
    'N01',
    '2024-02-30',
    '9999-99-99',
    '（2022）浙0212刑初0号',
    "'; drop table parties; --",
    '浙',
    'x'.repeat(5000),
    -1,
    1e308,
    null,
  ),
);
const fields = [
  'partyId',
  'recordId',
  'kind',
  'idType',
  'idNumber',
  'name',
  'category',
  'court',
  'caseNumber',
  'effectiveFrom',
  'effectiveUntil',
  'repairs',
  'reason',
  'note',
  'token',
  'role',
  'id',
  'parties',
  'limit',
  'before',
  'idempotencyKey',
  'purpose',
];
const input = fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...fields), hostile, { maxKeys: 8 }));

/**
 * What a procedure's write would change: row counts, revocations and state versions of the tables the
 * procedures write in their transactions (not `signing_keys`: the report-signing key is made once, on first use).
 */
const WRITTEN = sql`select
  (select count(*) from parties) as parties,
  (select coalesce(sum(version), 0) from party_state) as state_versions,
  (select count(*) from records) as records,
  (select count(*) from records where revoked_at is not null) as revoked_records,
  (select count(*) from record_revisions) as revisions,
  (select count(*) from api_keys) as api_keys,
  (select count(*) from api_keys where revoked_at is not null) as revoked_api_keys,
  (select count(*) from badge_tokens) as badge_tokens,
  (select count(*) from badge_tokens where revoked_at is not null) as revoked_badge_tokens,
  (select count(*) from consents) as consents,
  (select count(*) from consents where revoked_at is not null) as revoked_consents,
  (select count(*) from screenings) as screenings,
  (select count(*) from reports) as reports,
  (select count(*) from audit_log) as audit_log,
  (select count(*) from changes) as changes,
  (select count(*) from idempotency_keys) as idempotency_keys`;

describe.each(dbKinds())('random input never yields a 5xx (%s)', (kind) => {
  let h: Harness;
  let partyId: string;
  let partySession: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = await h.registerPerson(1, '孙某');
    partySession = (await h.as('portal').party.issueSession.mutate({ partyId })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  const tokenOf = (role: Role) => (role === 'party' ? partySession : h.keys[role]);
  const written = async () => rowsOf<Record<string, unknown>>(await h.db.db.execute(WRITTEN))[0];

  it('sees a write when there is one (the check below can fail)', async () => {
    const before = await written();
    await h.client(partySession).party.issueBadgeToken.mutate({ partyId });
    expect(await written()).not.toEqual(before);
  });

  it.each(procedures)('%s', async (path) => {
    // Every role the table lets through, so that the input itself is what gets checked.
    const roles = [...(roleTable[path] ?? [])];
    expect(roles.length, `${path} is not in the role table`).toBeGreaterThan(0);
    for (const role of roles) {
      const probe = await h.call(path, {}, tokenOf(role));
      expect([401, 403], `${path} as ${role}: must get past authorization`).not.toContain(probe.status);
    }
    await fc.assert(
      fc.asyncProperty(input, fc.boolean(), fc.constantFrom(...roles), async (raw, withParty, role) => {
        const value =
          withParty && raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...raw, partyId } : raw;
        const before = await written();
        const r = await h.call(path, value, tokenOf(role));
        const what = `${path} as ${role} ${JSON.stringify(value)?.slice(0, 200)} → ${r.error?.message}`;
        expect(r.status, what).toBeLessThan(500);
        if (r.error) {
          expect(r.error.message).not.toMatch(/ at .*\.(ts|js):\d+|select |insert |violates/i);
          expect(await written(), `${what}: a rejected call changed nothing`).toEqual(before);
        }
      }),
      {
        numRuns: 40,
        // Regressions: NUL bytes, and unpaired surrogates in text that goes to jsonb, once reached
        // PostgreSQL as a 500.
        examples: [
          [Object.fromEntries(fields.map((f) => [f, '\u0000'])), false, roles[0] as Role],
          [{ partyId: '\u0000' }, false, roles[0] as Role],
          [Object.fromEntries(fields.map((f) => [f, 'a\ud800'])), true, roles[0] as Role],
        ],
      },
    );
  });

  it('rejects malformed HTTP bodies with 4xx, without echoing the body', async () => {
    const res = await h.app.request('/trpc/party.register', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.keys.clerk}`, 'content-type': 'application/json' },
      body: `{"idNumber":"${residentId(7)}", oops`,
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('request input is not valid JSON');
    expect(text).not.toContain(residentId(7));
  });
});
