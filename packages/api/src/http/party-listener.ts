import pg from 'pg';
import type { Logger } from 'pino';
import type { PartyInvalidator } from '../deps.js';
import { PARTY_CHANNEL } from '../write-tx.js';

/**
 * Listens on PostgreSQL for parties changed by any server process (NOTIFY inside each write
 * transaction) and invalidates them here. Reconnects with back-off; after a reconnect the whole
 * cache is dropped, since notifications may have been missed.
 */
export function listenForPartyChanges(
  databaseUrl: string,
  cache: PartyInvalidator & { clear(): void },
  logger: Logger,
) {
  let client: pg.Client | null = null;
  let stopped = false;
  let delay = 100;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (msg) => {
      if (msg.channel === PARTY_CHANNEL && msg.payload) cache.invalidateParty(msg.payload);
    });
    c.on('error', (err) => {
      logger.warn({ err: { message: err.message } }, 'party listener connection failed; reconnecting');
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${PARTY_CHANNEL}`);
      if (stopped) {
        await c.end();
        return;
      }
      client = c;
      delay = 100;
      cache.clear();
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'party listener could not connect; retrying');
      c.end().catch(() => {});
      schedule();
    }
  };

  const schedule = () => {
    if (stopped || timer) return;
    const old = client;
    client = null;
    old?.end().catch(() => {});
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, 5000);
  };

  const ready = connect();
  return {
    ready,
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
