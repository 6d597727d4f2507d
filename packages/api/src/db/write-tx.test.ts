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
});
