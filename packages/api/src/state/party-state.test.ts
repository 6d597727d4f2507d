import { defaultPolicy, toCstDate } from '@fivecolor/core';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changes, partyState, records } from '../db/schema.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';
import { materializeParty } from './materialize.js';

describe.each(dbKinds())('stored decisions are reproducible (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a color change names the policy and the records it was decided on, and recomputing gives the same color', async () => {
    const partyId = await h.registerPerson(91);
    const { recordId } = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y02',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初91号',
      effectiveFrom: toCstDate(h.clock.now),
    });
    const [change] = await h.db.db
      .select()
      .from(changes)
      .where(and(eq(changes.partyId, partyId), eq(changes.kind, 'color.changed')));
    expect(change).toMatchObject({ color: 'yellow', previousColor: 'green' });
    expect(change?.data).toMatchObject({
      policyId: 'default-2022',
      basis: [recordId],
      cause: 'record.create',
    });
    const [state] = await h.db.db.select().from(partyState).where(eq(partyState.partyId, partyId));
    const rows = await h.db.db.select().from(records).where(eq(records.partyId, partyId));
    const again = materializeParty(partyId, rows, { asOf: state?.asOf, policy: defaultPolicy });
    expect(again).toMatchObject({ color: state?.color, basis: state?.basis, policyId: state?.policyId });
  });
});
