import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleTable } from './auth/roles.js';
import { appRouter } from './routers/root.js';
import { createHarness, type Harness } from './testing/harness.js';
import { residentId } from './testing/ids.js';
import { dbKinds } from './testing/test-db.js';

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

describe.each(dbKinds())('random input never yields a 5xx (%s)', (kind) => {
  let h: Harness;
  let partyId: string;
  let partySession: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    partyId = (
      await h.ok(
        'party.register',
        { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(1), name: '孙某' },
        h.keys.clerk,
      )
    ).partyId;
    partySession = (await h.ok('party.issueSession', { partyId }, h.keys.judge)).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A caller the role table lets through, so that the input itself is what gets checked. */
  function callerFor(path: string): string {
    const role = roleTable[path]?.[0];
    if (role === undefined) throw new Error(`${path} is not in the role table`);
    return role === 'party' ? partySession : h.keys[role];
  }

  it.each(procedures)('%s', async (path) => {
    const token = callerFor(path);
    const probe = await h.call(path, {}, token);
    expect([401, 403], `${path}: the caller must get past authorization`).not.toContain(probe.status);
    await fc.assert(
      fc.asyncProperty(input, fc.boolean(), async (raw, withParty) => {
        const value =
          withParty && raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...raw, partyId } : raw;
        const r = await h.call(path, value, token);
        expect(
          r.status,
          `${path} ${JSON.stringify(value)?.slice(0, 200)} → ${r.error?.message}`,
        ).toBeLessThan(500);
        if (r.error) expect(r.error.message).not.toMatch(/ at .*\.(ts|js):\d+|select |insert |violates/i);
      }),
      {
        numRuns: 40,
        // Regressions: NUL bytes, and unpaired surrogates in text that goes to jsonb, once reached
        // PostgreSQL as a 500.
        examples: [
          [Object.fromEntries(fields.map((f) => [f, '\u0000'])), false],
          [{ partyId: '\u0000' }, false],
          [Object.fromEntries(fields.map((f) => [f, 'a\ud800'])), true],
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
