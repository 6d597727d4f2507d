import pg from 'pg';
import type { Logger } from 'pino';
import { PARTY_CHANNEL } from '../db/write-tx.js';
import type { PartyInvalidator } from '../services/deps.js';

/** Shown in `pg_stat_activity`, so an operator can tell the listener's connection apart. */
export const LISTENER_APPLICATION_NAME = 'fivecolor-party-listener';

/**
 * How often the idle listener connection proves it is alive (a silently dead one gets no
 * notifications), and how long the proof may take before the connection counts as dead (generous:
 * a busy database is slow).
 */
const HEARTBEAT = { everyMs: 5_000, timeoutMs: 10_000 };

/**
 * Listens on PostgreSQL for parties changed by any server process (NOTIFY inside each write
 * transaction) and invalidates them here. While the connection is down the cache is suspended (it
 * serves nothing: notifications would be missed); it resumes, empty, once LISTEN is back. Reconnects
 * with back-off; a heartbeat query notices a connection that died without a word.
 */
export function listenForPartyChanges(
  databaseUrl: string,
  cache: PartyInvalidator & { suspend(): void; resume(): void },
  logger: Logger,
  heartbeat: { everyMs: number; timeoutMs: number } = HEARTBEAT,
) {
  let client: pg.Client | null = null;
  let stopped = false;
  let delay = 100;
  let timer: NodeJS.Timeout | undefined;
  let beating = false;
  const beat = setInterval(() => {
    const c = client;
    if (!c || beating) return;
    beating = true;
    c.query('select 1')
      .catch((err: Error) => lost(c, err))
      .finally(() => {
        beating = false;
      });
  }, heartbeat.everyMs);
  beat.unref();

  /** `c` failed: if it is still the live connection, suspend the cache and reconnect (late errors of a replaced one are ignored). */
  const lost = (c: pg.Client, err: Error) => {
    if (stopped || client !== c) return;
    logger.warn({ err: { message: err.message } }, 'party listener connection lost; badge cache suspended');
    schedule();
  };

  /** With `first`, a failure rejects (the caller decides) instead of retrying. */
  const connect = async (first = false): Promise<void> => {
    const c = new pg.Client({
      connectionString: databaseUrl,
      application_name: LISTENER_APPLICATION_NAME,
      keepAlive: true,
      query_timeout: heartbeat.timeoutMs,
    });
    c.on('notification', (msg) => {
      if (msg.channel === PARTY_CHANNEL && msg.payload) cache.invalidateParty(msg.payload);
    });
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c, new Error('connection ended')));
    try {
      await c.connect();
      await c.query(`LISTEN ${PARTY_CHANNEL}`);
      if (stopped) {
        await c.end();
        return;
      }
      client = c;
      delay = 100;
      cache.resume();
    } catch (err) {
      c.end().catch(() => {});
      if (first) throw err;
      logger.warn({ err: { message: (err as Error).message } }, 'party listener could not connect; retrying');
      schedule();
    }
  };

  const schedule = () => {
    if (stopped || timer) return;
    cache.suspend();
    const old = client;
    client = null;
    old?.end().catch(() => {});
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, 5000);
  };

  const ready = connect(true);
  return {
    /** Resolves once LISTEN is up; rejects when the first connection fails (later ones are retried). */
    ready,
    async close() {
      stopped = true;
      clearInterval(beat);
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
