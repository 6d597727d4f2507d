import { createHash, createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../crypto/party-crypto.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { idempotencyKeys } from './schema.js';

describe.each(dbKinds())('idempotency keys on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores a keyed hash of the request, never a plain hash of an identity number', async () => {
    const input = {
      idType: 'RESIDENT_ID',
      idNumber: residentId(41),
      kind: 'person',
      name: '周某某',
    } as const;
    const first = await h.as('clerk').party.register.mutate({ ...input, idempotencyKey: 'reg-41' });
    const stored = createHmac('sha256', deriveKey(h.secret, 'idempotency-key'))
      .update('reg-41')
      .digest('base64url');
    const [row] = await h.db.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, stored));
    const bytes = `party.register\u0000${JSON.stringify(input)}`;
    expect(row?.requestHash).not.toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(row?.requestHash).toBe(
      createHmac('sha256', deriveKey(h.secret, 'idempotency')).update(bytes).digest('hex'),
    );
    const replay = await h.as('clerk').party.register.mutate({ ...input, idempotencyKey: 'reg-41' });
    expect(replay.partyId).toBe(first.partyId);
    const other = await trpcError(
      h.as('clerk').party.register.mutate({ ...input, idNumber: residentId(42), idempotencyKey: 'reg-41' }),
    );
    expect(other.data?.code).toBe('CONFLICT');
  });

  it('stores the idempotency key itself only as a keyed hash (a caller may use an identity number as key)', async () => {
    const key = residentId(43);
    await h.as('clerk').party.register.mutate({
      idType: 'RESIDENT_ID',
      idNumber: residentId(44),
      kind: 'person',
      name: '吴某',
      idempotencyKey: key,
    });
    const rows = await h.db.db.select().from(idempotencyKeys);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(key);
  });

  it('answers a retry sent while the first request still runs as the first was answered (objection.file, objection.resolve, record.revoke)', async () => {
    // Four at once with one key, as a client retrying after a timeout; writes that would fail a second
    // time (already open, already resolved, already revoked) must not be run a second time.
    const four = <T>(send: () => Promise<T>) => Promise.allSettled([1, 2, 3, 4].map(() => send()));
    const ok = <T>(results: PromiseSettledResult<T>[]) => {
      expect(
        results
          .filter((r) => r.status === 'rejected')
          .map((r) => (r as PromiseRejectedResult).reason.message),
      ).toEqual([]);
      return (results as PromiseFulfilledResult<T>[]).map((r) => r.value);
    };
    const newRecord = async (i: number) => {
      const { partyId } = await h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(7100 + i),
        name: '章某某',
      });
      const { recordId } = await h.as('judge').record.create.mutate({
        partyId,
        category: 'Y14',
        court: '浙0212',
        caseNumber: `（2025）浙0212执${88 + i}号`,
        effectiveFrom: new Date(h.clock.now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10),
      });
      const party = h.client((await h.as('portal').party.issueSession.mutate({ partyId })).token);
      return { recordId, party };
    };
    const a = await newRecord(1);
    const filed = ok(
      await four(() =>
        a.party.objection.file.mutate({ recordId: a.recordId, reason: '不服', idempotencyKey: 'file-1' }),
      ),
    );
    expect(new Set(filed.map((f) => f.objectionId)).size).toBe(1);
    const objectionId = filed[0]?.objectionId as string;
    const resolved = ok(
      await four(() =>
        h.as('judge').objection.resolve.mutate({
          objectionId,
          decision: 'upheld',
          reason: '成立',
          idempotencyKey: 'resolve-1',
        }),
      ),
    );
    expect(resolved.map((r) => r.status)).toEqual(['upheld', 'upheld', 'upheld', 'upheld']);
    const b = await newRecord(2);
    const revoked = ok(
      await four(() =>
        h
          .as('judge')
          .record.revoke.mutate({ recordId: b.recordId, reason: '录入错误', idempotencyKey: 'revoke-1' }),
      ),
    );
    expect(revoked.every((r) => r.revoked)).toBe(true);
  });
});
