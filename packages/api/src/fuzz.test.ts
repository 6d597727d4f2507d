import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from './routers/root.js';
import { createHarness, type Harness } from './testing/harness.js';
import { residentId } from './testing/ids.js';

const procedures = Object.keys(appRouter._def.procedures as object).sort();

/** Random inputs: any JSON, plus objects with the real field names and hostile values. */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.constantFrom(
    '',
    '\u0000',
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

describe('random input never yields a 5xx (pglite)', () => {
  let h: Harness;
  let partyId: string;
  beforeAll(async () => {
    h = await createHarness('pglite');
    partyId = (
      await h.ok(
        'party.register',
        { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(1), name: '孙某' },
        h.keys.clerk,
      )
    ).partyId;
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(procedures)('%s', async (path) => {
    const token =
      path.startsWith('apiKey.') || path.startsWith('audit.')
        ? h.keys.admin
        : path === 'record.repair' || path.startsWith('record.')
          ? h.keys.enforcement
          : h.keys.clerk;
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
        // Regressions: NUL bytes in every field once reached PostgreSQL as a 500.
        examples: [
          [Object.fromEntries(fields.map((f) => [f, '\u0000'])), false],
          [{ partyId: '\u0000' }, false],
        ],
      },
    );
  });

  it('rejects malformed HTTP bodies with 4xx', async () => {
    const res = await h.app.request('/trpc/party.register', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.keys.clerk}` },
      body: '{not json',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
