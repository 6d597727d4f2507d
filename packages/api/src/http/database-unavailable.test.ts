import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';

// PostgreSQL only: a server of its own that restarts or fails over (PGlite runs in the process).
describe.runIf(process.env.DATABASE_URL)('the database unreachable for now (postgres)', () => {
  let h: Harness;
  let partyId: string;
  let token: string;
  beforeAll(async () => {
    h = await createHarness('postgres', { badgeCache: false });
    partyId = await h.registerPerson(31);
    ({ token } = await h.as('judge').party.issueBadgeToken.mutate({ partyId }));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 (try again), not 500, for procedures and the badge route', async () => {
    const pool = h.db.pool as pg.Pool & { options: { connectionString: string } };
    const url = pool.options.connectionString;
    const down = new URL(url);
    down.port = '1'; // nothing listens there: connections are refused, as while a server restarts
    pool.options.connectionString = down.toString();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      await new Promise((r) => setTimeout(r, 200));
      const refused = await trpcError(h.as('judge').party.get.query({ partyId }));
      expect(refused.data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
      expect(refused.message).toBe('the database is unavailable for now; try again shortly');
      const badge = await h.app.request(`/v1/badge/${token}`);
      expect(badge.status).toBe(503);
      expect(badge.headers.get('retry-after')).toBe('5');
    } finally {
      pool.options.connectionString = url;
      await admin.end();
    }
    expect((await h.as('judge').party.get.query({ partyId })).party.partyId).toBe(partyId);
  });
});
