import { createHmac } from 'node:crypto';
import { inArray, lt, sql } from 'drizzle-orm';
import { deriveKey } from '../crypto/party-crypto.js';
import type { Db } from '../db/database.js';
import { rowsOf } from '../db/rows.js';
import { verifyFailures } from '../db/schema.js';

export interface FailureLimit {
  /** Failures allowed in one window. */
  max: number;
  windowMs: number;
}

export interface FailureLimiterOptions {
  /** Wrong codes or unknown report numbers from one client (default 10 per 15 minutes). */
  perClient?: FailureLimit;
  /** Wrong codes for one report from one client (default 5 per hour). */
  perClientReport?: FailureLimit;
  /**
   * Wrong codes for one report from anywhere (default 20 per hour): past it every attempt on that report
   * is slowed down (`slowdownMs` each, up to 5 s), never refused, so the holder of the right code still
   * gets through.
   */
  perReport?: FailureLimit;
  slowdownMs?: number;
}

/** What the limiter says about an attempt: seconds to wait before trying again, or a delay to apply. */
export interface LimitDecision {
  /** > 0: refuse, and try again in this many seconds. */
  retryAfter: number;
  /** Milliseconds to hold the answer (a report under a distributed guessing attempt). */
  slowMs: number;
}

type Kind = 'client' | 'clientReport' | 'report';

/**
 * Counts wrong codes of online verification in fixed windows, in the database, so every server process
 * shares them. While a client's own counts are spent (all its attempts, or those on one report), that
 * client is refused, right code included — else a refusal for wrong codes only would tell a guesser when
 * it found the code. Other clients are never locked out: many wrong codes on one report from anywhere
 * only slow every attempt on it down.
 */
export class FailureLimiter {
  readonly perClient: FailureLimit;
  readonly perClientReport: FailureLimit;
  readonly perReport: FailureLimit;
  readonly slowdownMs: number;
  #ops = 0;

  constructor(
    readonly secret: string,
    opts: FailureLimiterOptions = {},
  ) {
    this.perClient = opts.perClient ?? { max: 10, windowMs: 15 * 60_000 };
    this.perClientReport = opts.perClientReport ?? { max: 5, windowMs: 60 * 60_000 };
    this.perReport = opts.perReport ?? { max: 20, windowMs: 60 * 60_000 };
    this.slowdownMs = opts.slowdownMs ?? 500;
  }

  /** Whether `client` may try `reportNo` now, and how slowly. */
  async check(db: Db, reportNo: string, client: string, now: number): Promise<LimitDecision> {
    const keys = this.#keys(reportNo, client);
    const rows = await db.db
      .select()
      .from(verifyFailures)
      .where(
        inArray(
          verifyFailures.key,
          keys.map((k) => k.key),
        ),
      );
    let retryAfter = 0;
    let slowMs = 0;
    for (const row of rows) {
      const k = keys.find((x) => x.key === row.key);
      if (!k) continue;
      const start = row.windowStart.getTime();
      if (now - start >= k.limit.windowMs || row.count < k.limit.max) continue;
      if (k.kind === 'report') slowMs = Math.min(5000, this.slowdownMs * (row.count - k.limit.max + 1));
      else retryAfter = Math.max(retryAfter, Math.ceil((start + k.limit.windowMs - now) / 1000));
    }
    return { retryAfter, slowMs };
  }

  /**
   * Counts an attempt of `client` on `reportNo` against the client's limits before its code is compared,
   * and says whether it may go on: attempts sent at once each take their own count (checked first and
   * counted after, they all passed). Give the count back with {@link release} when the code is right.
   */
  async attempt(db: Db, reportNo: string, client: string, now: number): Promise<LimitDecision> {
    const keys = this.#keys(reportNo, client);
    let retryAfter = 0;
    for (const k of keys) {
      if (k.kind === 'report') continue;
      const { count, start } = await this.#count(db, k.key, k.limit, now);
      if (count > k.limit.max)
        retryAfter = Math.max(retryAfter, Math.ceil((start + k.limit.windowMs - now) / 1000));
    }
    if (++this.#ops % 500 === 0) await this.#sweep(db, now);
    if (retryAfter > 0) return { retryAfter, slowMs: 0 }; // refused: how slowly does not matter
    // The client's counts were just taken (and are within their limits): the report's decides the pace.
    return { retryAfter, slowMs: (await this.check(db, reportNo, client, now)).slowMs };
  }

  /**
   * Gives back what {@link attempt} counted: all of it for a right code (not a failure), the count on the
   * report alone for an unknown number (it counts against the client only).
   */
  async release(db: Db, reportNo: string, client: string, what: 'all' | 'clientReport'): Promise<void> {
    const keys = this.#keys(reportNo, client)
      .filter((k) => (what === 'all' ? k.kind !== 'report' : k.kind === 'clientReport'))
      .map((k) => k.key);
    await db.db.execute(
      sql`update verify_failures set count = greatest(count - 1, 0) where key in (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )})`,
    );
  }

  /** Records a wrong code against the report (past its limit every attempt on it is slowed down). */
  async fail(db: Db, reportNo: string, client: string, now: number): Promise<void> {
    const report = this.#keys(reportNo, client).find((k) => k.kind === 'report');
    if (report) await this.#count(db, report.key, report.limit, now);
  }

  /** Adds one to a counter (a new window once its own has passed): the count and the window's start. */
  async #count(
    db: Db,
    key: string,
    limit: FailureLimit,
    now: number,
  ): Promise<{ count: number; start: number }> {
    const at = new Date(now);
    const expired = new Date(now - limit.windowMs);
    const [row] = rowsOf<{ count: number; window_start: Date | string }>(
      await db.db.execute(sql`
        insert into verify_failures (key, window_start, count) values (${key}, ${at}, 1)
        on conflict (key) do update set
          count = case when verify_failures.window_start <= ${expired} then 1 else verify_failures.count + 1 end,
          window_start = case when verify_failures.window_start <= ${expired} then ${at} else verify_failures.window_start end
        returning count, window_start`),
    );
    return { count: Number(row?.count ?? 1), start: new Date(row?.window_start ?? at).getTime() };
  }

  /** The counters of an attempt: keyed hashes, so the table holds no client address. */
  #keys(reportNo: string, client: string): { key: string; kind: Kind; limit: FailureLimit }[] {
    const hash = (s: string) =>
      createHmac('sha256', deriveKey(this.secret, 'verify-limit')).update(s).digest('base64url');
    return [
      { key: `c:${hash(client)}`, kind: 'client', limit: this.perClient },
      { key: `cr:${hash(`${client}\u0000${reportNo}`)}`, kind: 'clientReport', limit: this.perClientReport },
      { key: `r:${hash(reportNo)}`, kind: 'report', limit: this.perReport },
    ];
  }

  async #sweep(db: Db, now: number): Promise<void> {
    const longest = Math.max(this.perClient.windowMs, this.perClientReport.windowMs, this.perReport.windowMs);
    await db.db.delete(verifyFailures).where(lt(verifyFailures.windowStart, new Date(now - longest)));
  }
}
