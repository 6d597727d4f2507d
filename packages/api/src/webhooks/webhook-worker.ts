import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { type AuditEntry, appendAudits } from '../audit/audit-log.js';
import type { Db, Tx } from '../db/database.js';
import { CLAIM_LOCK } from '../db/locks.js';
import { pgArray } from '../db/pg-array.js';
import { rowsOf } from '../db/rows.js';
import { apiKeys, webhookOutbox, webhooks } from '../db/schema.js';
import { errorFields } from '../http/logger.js';
import type { Deps } from '../services/deps.js';
import type { FeedViewer } from '../services/feed-service.js';
import { ABORTED, type PostOutcome, postWebhook } from './post.js';
import { allowPrivateFromEnv } from './url-guard.js';
import { type WebhookPayload, webhookPayloads } from './webhook-payload.js';

/** How the delivery worker runs; every field has a production default. */
export interface WebhookOptions {
  /** Run the delivery worker in this process (default true). */
  deliver?: boolean | undefined;
  /** Allow private, loopback and link-local targets (default `FIVECOLOR_WEBHOOK_ALLOW_PRIVATE=true`). */
  allowPrivate?: boolean | undefined;
  /** How often an idle worker looks for due deliveries (default 200 ms). */
  pollMs?: number | undefined;
  /** One attempt's time limit (default 10 s); over it the attempt failed. */
  timeoutMs?: number | undefined;
  /** Deliveries in flight at once in this process (default 32; one per webhook and party at most). */
  concurrency?: number | undefined;
  /**
   * Consecutive events of one party claimed together and then delivered one after another, each once
   * the one before it was answered 2xx (default 20; 1 claims one event at a time).
   */
  batch?: number | undefined;
  /** Back-off after the n-th failed attempt: `baseMs · 2^(n-1)`, at most `maxMs`, ±20 % (default 5 s … 1 h). */
  backoff?: { baseMs: number; maxMs: number } | undefined;
  /** An endpoint still failing this long after the first attempt at a delivery is disabled (default 24 h). */
  retryWindowMs?: number | undefined;
  /**
   * How long a claimed delivery is reserved for its worker (default `timeoutMs` + 15 s, at least
   * `timeoutMs` + 1 s); after it (the worker died) any worker delivers it again.
   */
  leaseMs?: number | undefined;
}

export type ResolvedWebhookOptions = Required<{
  [K in keyof WebhookOptions]: NonNullable<WebhookOptions[K]>;
}>;

export function resolveWebhookOptions(o: WebhookOptions = {}): ResolvedWebhookOptions {
  const timeoutMs = o.timeoutMs ?? 10_000;
  return {
    deliver: o.deliver ?? true,
    allowPrivate: o.allowPrivate ?? allowPrivateFromEnv(),
    pollMs: o.pollMs ?? 200,
    timeoutMs,
    concurrency: o.concurrency ?? 32,
    batch: Math.max(1, o.batch ?? 20),
    backoff: o.backoff ?? { baseMs: 5_000, maxMs: 3_600_000 },
    retryWindowMs: o.retryWindowMs ?? 24 * 3_600_000,
    // Longer than an attempt can take, so a live worker's attempt is never claimed by another; long
    // enough that a batch's later events fit in it (each needs an attempt plus LEASE_MARGIN_MS left).
    leaseMs: Math.max(o.leaseMs ?? timeoutMs + 60_000, timeoutMs + 1_000),
  };
}

/** What the worker reports to the metrics (see `Metrics.webhookDelivery`). */
export type DeliveryOutcome = 'delivered' | 'retry' | 'disabled' | 'skipped';
export interface WebhookObserver {
  delivery(outcome: DeliveryOutcome, seconds: number | null): void;
}

type OutboxRow = typeof webhookOutbox.$inferSelect;

/** A delivery due and not leased, if any (`webhook_outbox_due_idx`): what `claimDeliveries` would look for. */
function prepareDueProbe(deps: Deps) {
  return deps.db.db
    .select({ id: webhookOutbox.id })
    .from(webhookOutbox)
    .where(
      sql`${webhookOutbox.status} = 'pending' and ${webhookOutbox.nextAttemptAt} <= ${sql.placeholder('now')}
        and (${webhookOutbox.leaseUntil} is null or ${webhookOutbox.leaseUntil} < ${sql.placeholder('now')})`,
    )
    .limit(1)
    .prepare('webhook_due');
}

interface Endpoint {
  url: string;
  signer: Webhook;
  keyId: string;
  viewer: FeedViewer;
  types: string[];
}

interface Result {
  row: OutboxRow;
  /** null: skipped (nothing to deliver to this webhook). */
  outcome: PostOutcome | null;
  /** When the attempt started (the app's clock). */
  at: Date;
}

/** How long outcomes gather before they are recorded together (one transaction for many deliveries). */
const ACK_DELAY_MS = 5;

/**
 * A party's next claimed event is sent only if its attempt can end this long before the lease does,
 * so that no other worker claims the party while this one is still delivering it or recording the
 * outcome (and leases written by one host's clock survive a few seconds of skew on another's).
 */
const LEASE_MARGIN_MS = 15_000;

/** How long a webhook found live (not deleted or disabled, its key not revoked) is believed to be. */
const LIVENESS_MS = 1_000;
/** The longest wait between claims while they keep failing. */
const CLAIM_BACKOFF_MAX_MS = 30_000;

/** The message id of an event for one endpoint: the same on every retry and replay (receivers dedupe by it). */
export function messageId(webhookId: string, seq: number): string {
  return `${webhookId}_${seq}`;
}

/**
 * Claims the due deliveries of up to `n` parties: the oldest pending row of each (webhook, party) whose
 * webhook is live, due, and not leased to a live worker, and with it up to `batch - 1` of that party's
 * next pending rows, in order, as long as they are due and free. All get a lease. A party's later row is
 * never a head while an earlier one is pending, nobody else claims a party whose head is leased, and the
 * claim of a party holds its lock (below) until its leases are committed, so a party's events go out
 * from one worker at a time, in order. Returned in delivery order: by webhook and party, then seq.
 */
export async function claimDeliveries(
  tx: Tx,
  n: number,
  now: Date,
  owner: string,
  leaseMs: number,
  batch = 1,
): Promise<OutboxRow[]> {
  return leaseParties(tx, await lockDueParties(tx, n, now), now, owner, leaseMs, batch);
}

/** Joined to an outbox row `o`: only those of a live webhook (not deleted or disabled, its key not revoked). */
const LIVE_WEBHOOK =
  sql.raw(`join webhooks w on w.id = o.webhook_id and w.deleted_at is null and w.disabled_at is null
        join api_keys k on k.id = w.api_key_id and k.revoked_at is null`);

/** Outbox row `o` is pending, due at `at` and not leased to a live worker. */
const dueAndFree = (at: string) =>
  sql`o.status = 'pending' and o.next_attempt_at <= ${at} and (o.lease_until is null or o.lease_until < ${at})`;

/** A (webhook, party) pair whose turn a claim holds. */
export interface ClaimedParty {
  webhook_id: string;
  party_id: string;
}

/** The first half of a claim: up to `n` parties with a due head, each with its lock (see below). */
export async function lockDueParties(tx: Tx, n: number, now: Date): Promise<ClaimedParty[]> {
  const at = now.toISOString();
  // First the parties, each with the lock of its turn (skipped when another claim has it). Without it, a
  // claim whose snapshot came before a webhook.replay committed took a party's pending row while one whose
  // snapshot came after took the replayed row put before it (the first claim's lease not yet committed),
  // and both were sent at once. Holding the lock, the rows are looked at again in a snapshot taken after
  // it: every claim that had the party before has committed its leases by then.
  return rowsOf<ClaimedParty>(
    await tx.execute(sql`
      with heads as materialized (
        select o.webhook_id, o.party_id from webhook_outbox o
        ${LIVE_WEBHOOK}
        where ${dueAndFree(at)}
          and not exists (
            select 1 from webhook_outbox e
            where e.webhook_id = o.webhook_id and e.party_id = o.party_id and e.status = 'pending'
              -- an earlier row, or one in flight (webhook.replay adds rows before it)
              and ((e.seq, e.id) < (o.seq, o.id) or e.lease_until >= ${at}))
        order by o.next_attempt_at
        limit ${n}
        for update of o skip locked
      )
      select webhook_id, party_id from heads
      where pg_try_advisory_xact_lock(${CLAIM_LOCK}, hashtext(webhook_id || '/' || party_id))`),
  );
}

/**
 * The second half of a claim, in the same transaction: each party's rows as they are now (the first
 * pending one, if due and none is in flight, and its followers), leased to `owner`.
 */
export async function leaseParties(
  tx: Tx,
  parties: readonly ClaimedParty[],
  now: Date,
  owner: string,
  leaseMs: number,
  batch: number,
): Promise<OutboxRow[]> {
  if (parties.length === 0) return [];
  const lease = new Date(now.getTime() + leaseMs);
  const at = now.toISOString();
  const claimed = await tx
    .update(webhookOutbox)
    .set({ leaseUntil: lease, leaseOwner: owner })
    .where(
      // status: re-checked on a row another transaction changed meanwhile (then it is left out).
      sql`${webhookOutbox.status} = 'pending' and ${webhookOutbox.id} in (
      with firsts as materialized (
        select f.id from (values ${sql.join(
          parties.map((p) => sql`(${p.webhook_id}, ${p.party_id})`),
          sql`, `,
        )}) p (webhook_id, party_id)
        cross join lateral (
          select e.id from webhook_outbox e
          where e.webhook_id = p.webhook_id and e.party_id = p.party_id and e.status = 'pending'
          order by e.seq, e.id limit 1) f
      ), heads as (
        -- Each party's first pending row as it is now, if due and none of the party's rows is in flight.
        select o.id, o.webhook_id, o.party_id, o.seq from firsts f
        join webhook_outbox o on o.id = f.id
        ${LIVE_WEBHOOK}
        where ${dueAndFree(at)}
          and not exists (
            select 1 from webhook_outbox e
            where e.webhook_id = o.webhook_id and e.party_id = o.party_id and e.status = 'pending'
              and e.lease_until >= ${at})
        for update of o skip locked
      ), candidates as (
        -- free: this one and every one before it due and not leased (as the snapshot saw them).
        select h.id as head, f.id, f.seq, bool_and(f.free) over (partition by h.id order by f.seq, f.id) as free
        from heads h cross join lateral (
          select e.id, e.seq,
            (e.next_attempt_at <= ${at} and (e.lease_until is null or e.lease_until < ${at})) as free
          from webhook_outbox e
          where e.webhook_id = h.webhook_id and e.party_id = h.party_id and e.status = 'pending'
            and (e.seq, e.id) > (h.seq, h.id)
          order by e.seq, e.id
          limit ${Math.max(0, batch - 1)}) f
      ), followers as (
        -- Each taken now, skipping one another transaction holds: a claim never waits for a row. Waiting
        -- for one held by webhook.delete (which takes a webhook's rows by id, and after a replay a party's
        -- first row has the higher id) while holding the head it wants closed a circle. Checked again as
        -- it is now, the lock taken: one another worker leased or delivered since the snapshot ends the run.
        select c.id, bool_and(l.id is not null) over (partition by c.head order by c.seq, c.id) as run
        from candidates c left join lateral (
          select o.id from webhook_outbox o
          where o.id = c.id and c.free and ${dueAndFree(at)}
          for update skip locked) l on true
      )
      select id from heads union all select id from followers where run)`,
    )
    .returning();
  return claimed.sort(
    (a, b) =>
      a.webhookId.localeCompare(b.webhookId) ||
      a.partyId.localeCompare(b.partyId) ||
      a.seq - b.seq ||
      a.id - b.id,
  );
}

/** The back-off before attempt `attempts + 1`, with ±20 % jitter. */
export function backoffMs(attempts: number, o: ResolvedWebhookOptions['backoff']): number {
  const base = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * The delivery worker: claims due outbox rows, a few consecutive ones per party, POSTs each event signed
 * per Standard Webhooks — a party's events one after another, different parties at once — and records
 * the outcomes in batches (delivered; retried with back-off; the endpoint disabled when still failing
 * after the retry window; skipped when the event is no longer visible to the webhook's owner). A failed
 * attempt ends its party's batch: the events after it are released unattempted and wait behind it.
 * Several workers — in this process or others on the same PostgreSQL — share one queue. A worker killed
 * mid-delivery leaves leases that expire; the rows are then claimed and delivered again (at least once),
 * in order.
 */
export class WebhookWorker {
  readonly #deps: Deps;
  readonly #o: ResolvedWebhookOptions;
  readonly #observer: WebhookObserver | undefined;
  readonly #owner = `wkr_${randomBytes(9).toString('base64url')}`;
  readonly #endpoints = new Map<string, Promise<Endpoint | null>>();
  /** When each webhook was last found live (see #live). */
  readonly #liveAt = new Map<string, number>();
  /** Parties being delivered (each one POST in flight at most). */
  #inFlight = 0;
  /** Attempts made so far (what `drain` answers). */
  #attempts = 0;
  #acks: Result[] = [];
  /** Claimed rows given back unattempted (their party's batch ended before them). */
  #released: OutboxRow[] = [];
  #flushing: Promise<void> | null = null;
  #stopped = false;
  #wake: (() => void) | null = null;
  #due: ReturnType<typeof prepareDueProbe> | null = null;
  #sweptAt = Number.NEGATIVE_INFINITY;
  #loop: Promise<void> | null = null;
  readonly #inFlightDone = new Set<Promise<void>>();
  readonly #abort = new AbortController();

  constructor(deps: Deps, opts: WebhookOptions = {}, observer?: WebhookObserver) {
    this.#deps = deps;
    this.#o = resolveWebhookOptions(opts);
    this.#observer = observer;
    // Each attempt in flight listens for shutdown on this one signal.
    setMaxListeners(0, this.#abort.signal);
  }

  get options(): ResolvedWebhookOptions {
    return this.#o;
  }

  /** Starts the claim loop (idempotent). */
  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  /** Looks for due deliveries now instead of at the next poll. */
  kick(): void {
    this.#wake?.();
  }

  /**
   * Stops claiming, cuts the deliveries in flight short (they are due again at once, for any worker)
   * and records their outcomes.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    this.#abort.abort();
    await Promise.all(this.#inFlightDone);
    await this.#flush();
  }

  /**
   * Runs claim rounds until nothing is due and nothing is in flight (for tests and tools that drive the
   * queue themselves instead of `start`); returns how many attempts it made.
   */
  async drain(): Promise<number> {
    let attempts = 0;
    for (;;) {
      const before = this.#attempts;
      const n = await this.#claimRound();
      await Promise.all(this.#inFlightDone);
      await this.#flush();
      attempts += this.#attempts - before;
      if (n === 0) return attempts;
    }
  }

  async #run(): Promise<void> {
    // Claims failing one after another (the database is down) are retried less and less often, up to
    // every 30 s, instead of logging five lines a second until it is back.
    let failures = 0;
    while (!this.#stopped) {
      // Claims in batches: once at least half the slots are free (an acknowledgement wakes the loop).
      if (this.#inFlight > this.#o.concurrency / 2) {
        await this.#sleep(this.#o.pollMs);
        continue;
      }
      let claimed = 0;
      try {
        claimed = await this.#claimRound();
        failures = 0;
      } catch (err) {
        failures++;
        this.#deps.logger.warn({ err: errorFields(err), failures }, 'webhook claim failed');
      }
      if (this.#stopped) break;
      if (claimed === 0) await this.#sleep(Math.min(this.#o.pollMs * 2 ** failures, CLAIM_BACKOFF_MAX_MS));
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  /** Claims what fits in the free slots and starts delivering it; returns how many parties it claimed. */
  async #claimRound(): Promise<number> {
    const room = this.#o.concurrency - this.#inFlight;
    if (room <= 0) return 0;
    const now = this.#deps.now();
    // Most rounds find nothing due: one index probe tells so without the claim's transaction (on PGlite,
    // whose engine runs on the server's thread, that transaction held the event loop for 6–16 ms five
    // times a second, and every request waiting meanwhile with it).
    this.#due ??= prepareDueProbe(this.#deps);
    if ((await this.#due.execute({ now: now.toISOString() })).length === 0) return 0;
    // Measured from before the lease was taken: a batch stops while the lease still covers an attempt.
    const leasedAt = performance.now();
    const claimed = await this.#deps.db.db.transaction(async (tx) => {
      const rows = await claimDeliveries(tx, room, now, this.#owner, this.#o.leaseMs, this.#o.batch);
      await this.#auditDisclosures(tx, rows, now);
      return rows;
    });
    // Something due that nobody may claim (a deleted or disabled webhook's, a revoked key's) would keep
    // every round claiming in vain, or, while other work keeps the rounds busy, wait there unseen.
    if (now.getTime() - this.#sweptAt >= SWEEP_EVERY_MS) {
      this.#sweptAt = now.getTime();
      await endUnclaimableEvents(this.#deps.db.db, now);
    }
    if (claimed.length === 0) return 0;
    const payloads = await this.#payloads(claimed);
    const parties = byParty(claimed);
    for (const rows of parties) {
      this.#inFlight++;
      const p: Promise<void> = this.#deliverInOrder(rows, payloads, leasedAt).finally(() => {
        this.#inFlight--;
        this.#inFlightDone.delete(p);
        void this.#flushSoon();
      });
      this.#inFlightDone.add(p);
    }
    return parties.length;
  }

  /**
   * Delivers one party's claimed rows one after another; the first that is not answered 2xx (or the
   * lease running short, or shutdown) ends the batch, and the rows after it are released unattempted.
   */
  async #deliverInOrder(
    rows: OutboxRow[],
    payloads: Map<number, WebhookPayload | null>,
    leasedAt: number,
  ): Promise<void> {
    for (const [i, row] of rows.entries()) {
      const leaseLeft = this.#o.leaseMs - (performance.now() - leasedAt);
      if (
        i > 0 &&
        (this.#abort.signal.aborted ||
          leaseLeft < this.#o.timeoutMs + LEASE_MARGIN_MS ||
          !(await this.#live(row.webhookId)))
      ) {
        this.#released.push(...rows.slice(i));
        return;
      }
      const at = this.#deps.now();
      let outcome: PostOutcome | null;
      try {
        outcome = await this.#deliver(
          row,
          i > 0 ? await this.#stillShown(row, payloads) : payloads.get(row.id),
        );
      } catch (err) {
        this.#deps.logger.warn({ err: errorFields(err) }, 'webhook delivery failed');
        outcome = { status: null, error: 'internal error', ms: 0 };
      }
      if (outcome) this.#attempts++;
      this.#acks.push({ row, outcome, at });
      void this.#flushSoon();
      if (outcome && !acknowledged(outcome)) {
        this.#released.push(...rows.slice(i + 1));
        return;
      }
    }
  }

  /**
   * A delivery discloses a party's data (an exchange partner's in clear, a bank's masked, under the
   * party's consent): each claimed batch is an audited disclosure (one row per party, its events' seqs in
   * the detail, the webhook's key as the actor), as a page of the change feed is for either. Recorded with
   * the claim, before anything is sent: an event released unattempted is audited once more than it was
   * sent, never less.
   */
  async #auditDisclosures(tx: Tx, rows: OutboxRow[], now: Date): Promise<void> {
    const entries: AuditEntry[] = [];
    for (const party of byParty(rows)) {
      const [head] = party;
      if (!head) continue;
      const ep = await this.#endpoint(head.webhookId, tx);
      if (!ep) continue; // no such webhook: nothing is sent
      entries.push({
        actorId: ep.keyId,
        actorRole: ep.viewer.role,
        actorOrg: ep.viewer.org,
        action: 'webhook.deliver',
        partyId: head.partyId,
        target: head.webhookId,
        detail: { seqs: party.map((r) => r.seq), attempt: head.attempts + 1 },
      });
    }
    await appendAudits(tx, entries, now);
  }

  /**
   * Whether a webhook may still be sent to (checked at most every LIVENESS_MS): the claim checked it, but
   * a batch takes time, and a webhook deleted or disabled, or its key revoked, meanwhile gets nothing more.
   */
  async #live(webhookId: string): Promise<boolean> {
    const at = this.#liveAt.get(webhookId);
    if (at !== undefined && performance.now() - at < LIVENESS_MS) return true;
    const rows = rowsOf(
      await this.#deps.db.db.execute(sql`
        select 1 from webhooks w join api_keys k on k.id = w.api_key_id and k.revoked_at is null
        where w.id = ${webhookId} and w.deleted_at is null and w.disabled_at is null`),
    );
    if (rows.length === 0) {
      this.#liveAt.delete(webhookId);
      return false;
    }
    this.#liveAt.set(webhookId, performance.now());
    return true;
  }

  /** A webhook's URL, signer and owner, cached (they never change); read through `tx` inside a transaction. */
  #endpoint(webhookId: string, tx: Pick<Tx, 'select'> = this.#deps.db.db): Promise<Endpoint | null> {
    let ep = this.#endpoints.get(webhookId);
    if (!ep) {
      ep = (async () => {
        const [w] = await tx
          .select({
            url: webhooks.url,
            secretEnc: webhooks.secretEnc,
            types: webhooks.types,
            keyId: apiKeys.id,
            role: apiKeys.role,
            org: apiKeys.org,
          })
          .from(webhooks)
          .innerJoin(apiKeys, eq(apiKeys.id, webhooks.apiKeyId))
          .where(eq(webhooks.id, webhookId));
        if (!w) return null;
        return {
          url: w.url,
          signer: new Webhook(this.#deps.crypto.decrypt(w.secretEnc)),
          keyId: w.keyId,
          viewer: { role: w.role as FeedViewer['role'], org: w.org },
          types: w.types,
        };
      })();
      this.#endpoints.set(webhookId, ep);
      ep.catch(() => this.#endpoints.delete(webhookId));
    }
    return ep;
  }

  /** The payloads of claimed rows, by outbox id (null: skip), projected once per webhook. */
  async #payloads(rows: OutboxRow[]): Promise<Map<number, WebhookPayload | null>> {
    const byWebhook = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const list = byWebhook.get(row.webhookId);
      if (list) list.push(row);
      else byWebhook.set(row.webhookId, [row]);
    }
    const out = new Map<number, WebhookPayload | null>();
    for (const [webhookId, list] of byWebhook) {
      const ep = await this.#endpoint(webhookId);
      if (!ep) continue;
      for (const [id, p] of await webhookPayloads(this.#deps, ep.viewer, ep.types, list)) out.set(id, p);
    }
    return out;
  }

  /**
   * A later event of a batch, as its owner may see it now: a bank's events follow the party's consent, and
   * one withdrawn while the batch is sent (a slow receiver takes seconds an event) stops the rest.
   */
  async #stillShown(row: OutboxRow, payloads: Map<number, WebhookPayload | null>) {
    const ep = await this.#endpoint(row.webhookId);
    if (ep?.viewer.role !== 'bank') return payloads.get(row.id);
    return (await webhookPayloads(this.#deps, ep.viewer, ep.types, [row])).get(row.id);
  }

  /** Signs and POSTs one event; null (skipped) when it has no payload for the webhook's owner. */
  async #deliver(row: OutboxRow, payload: WebhookPayload | null | undefined): Promise<PostOutcome | null> {
    const ep = await this.#endpoint(row.webhookId);
    if (!ep || !payload) return null;
    const body = JSON.stringify(payload);
    const id = messageId(row.webhookId, row.seq);
    // The signature's timestamp is the wall clock: the receiver checks it against its own.
    const sentAt = new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': ep.signer.sign(id, sentAt, body),
      'user-agent': 'fivecolor-webhooks/1',
    };
    return postWebhook(ep.url, body, headers, {
      timeoutMs: this.#o.timeoutMs,
      allowPrivate: this.#o.allowPrivate,
      signal: this.#abort.signal,
    });
  }

  /**
   * Records the outcomes gathered so far a few milliseconds from now (outcomes arriving meanwhile join
   * the same transaction); `now` records at once (on stop and drain).
   */
  #flushSoon(now = false): Promise<void> {
    this.#flushing ??= new Promise<void>((resolve) => setTimeout(resolve, now ? 0 : ACK_DELAY_MS))
      .then(() => this.#recordAcks())
      .finally(() => {
        this.#flushing = null;
        // Outcomes that arrived after the last round of #recordAcks looked are recorded now, not with
        // the next delivery (which may never come on a quiet queue, and the lease would run out first).
        if (this.#acks.length > 0 || this.#released.length > 0) void this.#flushSoon();
        this.#wake?.();
      });
    return this.#flushing;
  }

  async #recordAcks(): Promise<void> {
    try {
      while (this.#acks.length > 0 || this.#released.length > 0)
        await this.#record(this.#acks.splice(0), this.#released.splice(0));
    } catch (err) {
      this.#deps.logger.warn({ err: errorFields(err) }, 'webhook acknowledgement failed');
    }
  }

  async #flush(): Promise<void> {
    while (this.#flushing || this.#acks.length > 0 || this.#released.length > 0)
      await (this.#flushing ?? this.#flushSoon(true));
  }

  /**
   * Records a batch of outcomes, and gives back released rows, in one transaction (only rows this worker
   * still holds the lease of). An attempt counts when it is recorded: a worker killed mid-delivery leaves
   * its attempts uncounted, and the rows are delivered again.
   */
  async #record(results: Result[], released: OutboxRow[]): Promise<void> {
    const now = this.#deps.now();
    const o = this.#o;
    const observed: [DeliveryOutcome, number | null][] = [];
    const mine = (id: number) => and(eq(webhookOutbox.id, id), eq(webhookOutbox.leaseOwner, this.#owner));
    const attempted = (r: Result, outcome: PostOutcome) => ({
      attempts: sql`${webhookOutbox.attempts} + 1`,
      firstAttemptAt: sql`coalesce(${webhookOutbox.firstAttemptAt}, ${r.at.toISOString()}::timestamptz)`,
      lastAttemptAt: r.at,
      lastStatus: outcome.status,
      lastError: outcome.error,
      lastMs: outcome.ms,
      leaseUntil: null,
      leaseOwner: null,
    });
    // Cut short by shutdown: not the receiver's failure, not an attempt; due again at once.
    const aborted = results.filter((r) => r.outcome?.error === ABORTED);
    const giveBack = [...released, ...aborted.map((r) => r.row)].map((r) => r.id);
    // A failed attempt past the retry window disables its webhook (and fails its other pending rows).
    const failed = (r: Result) =>
      r.outcome !== null && !acknowledged(r.outcome) && r.outcome.error !== ABORTED;
    const expired = (r: Result) =>
      now.getTime() - (r.row.firstAttemptAt ?? r.at).getTime() >= o.retryWindowMs;
    const disabling = [
      ...new Set(results.filter((r) => failed(r) && expired(r)).map((r) => r.row.webhookId)),
    ];
    await this.#deps.db.db.transaction(async (tx) => {
      // Locks first, in the order webhook.delete takes them: the webhooks this disables, then every row
      // this changes in id order. Several statements follow; two writers taking the same rows in other
      // orders wait for each other in a circle (a delete meeting a disable did: one of them failed).
      // `no key update`, as delete: writes queueing events for these webhooks go on meanwhile.
      if (disabling.length > 0)
        await tx.execute(
          sql`select id from webhooks where id = any(${pgArray(disabling.sort())}::text[]) order by id for no key update`,
        );
      const touched = [...new Set([...results.map((r) => r.row.id), ...giveBack])];
      // A failed attempt retried later: the party's events after it are put off with it (below).
      const retrying = results.filter((r) => failed(r) && !expired(r));
      // The queued rows of the webhooks this disables, as locked: the only ones the disable changes.
      const queuedOf = new Map<string, number[]>();
      // Read first, locked below with the rest in one statement (in id order, as webhook.delete locks).
      const queuedBehind =
        retrying.length === 0
          ? []
          : rowsOf<{ id: string | number }>(
              await tx.execute(sql`select e.id
                from unnest(${pgArray(retrying.map((r) => r.row.webhookId))}::text[],
                  ${pgArray(retrying.map((r) => r.row.partyId))}::text[]) q (webhook_id, party_id)
                join webhook_outbox e on e.webhook_id = q.webhook_id and e.party_id = q.party_id
                  and e.status = 'pending'`),
            ).map((r) => Number(r.id));
      if (touched.length > 0 || disabling.length > 0) {
        const locked = rowsOf<{ id: string | number; webhook_id: string; status: string }>(
          await tx.execute(
            sql`select id, webhook_id, status from webhook_outbox
              where id = any(${pgArray([...touched, ...queuedBehind])}::bigint[])
                or (webhook_id = any(${pgArray(disabling)}::text[]) and status = 'pending')
              order by id for update`,
          ),
        );
        for (const r of locked) {
          if (r.status !== 'pending' || !disabling.includes(r.webhook_id)) continue;
          const ids = queuedOf.get(r.webhook_id) ?? [];
          if (ids.length === 0) queuedOf.set(r.webhook_id, ids);
          ids.push(Number(r.id)); // a dead endpoint's backlog can be long: no copy per row
        }
      }
      // The common case, acknowledged deliveries, in one statement (arrays: one parameter each).
      const ok = results.filter((r) => acknowledged(r.outcome));
      if (ok.length > 0) {
        await tx.execute(sql`
          update webhook_outbox o set status = 'delivered', delivered_at = ${now.toISOString()},
            attempts = o.attempts + 1, first_attempt_at = coalesce(o.first_attempt_at, v.at),
            last_attempt_at = v.at, last_status = v.status, last_error = null, last_ms = v.ms,
            lease_until = null, lease_owner = null
          from unnest(${pgArray(ok.map((r) => r.row.id))}::bigint[],
            ${pgArray(ok.map((r) => r.outcome?.status ?? 0))}::int[],
            ${pgArray(ok.map((r) => r.outcome?.ms ?? 0))}::int[],
            ${pgArray(ok.map((r) => r.at.toISOString()))}::timestamptz[]) as v(id, status, ms, at)
          where o.id = v.id and o.lease_owner = ${this.#owner}`);
        for (const { outcome: a } of ok) observed.push(['delivered', (a?.ms ?? 0) / 1000]);
      }
      const skipped = results.filter((r) => r.outcome === null).map((r) => r.row.id);
      if (skipped.length > 0) {
        await tx
          .update(webhookOutbox)
          .set({ status: 'skipped', leaseUntil: null, leaseOwner: null })
          .where(and(inArray(webhookOutbox.id, skipped), eq(webhookOutbox.leaseOwner, this.#owner)));
        for (const _ of skipped) observed.push(['skipped', null]);
      }
      if (giveBack.length > 0)
        await tx
          .update(webhookOutbox)
          .set({ leaseUntil: null, leaseOwner: null })
          .where(and(inArray(webhookOutbox.id, giveBack), eq(webhookOutbox.leaseOwner, this.#owner)));
      const putOff: { row: OutboxRow; next: Date }[] = [];
      for (const r of results) {
        const { row, outcome } = r;
        if (!outcome || !failed(r)) continue;
        const seconds = outcome.ms / 1000;
        if (expired(r)) {
          await tx
            .update(webhookOutbox)
            .set({ ...attempted(r, outcome), status: 'failed' })
            .where(mine(row.id));
          await disableWebhook(
            tx,
            row.webhookId,
            now,
            describeFailure(outcome, o.retryWindowMs),
            queuedOf.get(row.webhookId) ?? [],
          );
          this.#endpoints.delete(row.webhookId);
          observed.push(['disabled', seconds]);
        } else {
          const next = new Date(now.getTime() + backoffMs(row.attempts + 1, o.backoff));
          const kept = await tx
            .update(webhookOutbox)
            .set({ ...attempted(r, outcome), nextAttemptAt: next })
            .where(mine(row.id))
            .returning({ id: webhookOutbox.id });
          observed.push(['retry', seconds]);
          if (kept.length > 0) putOff.push({ row, next });
        }
      }
      // A party's events after a failed one wait for its next attempt: due meanwhile, a dead endpoint's
      // whole backlog was walked by every claim round (the due index, 200 ms a round at 80,000 events)
      // to find nothing it may take.
      // Only rows locked above (`queuedBehind`).
      if (putOff.length > 0)
        await tx.execute(sql`
          update webhook_outbox o set next_attempt_at = v.at
          from unnest(${pgArray(putOff.map((p) => p.row.id))}::bigint[],
            ${pgArray(putOff.map((p) => p.next.toISOString()))}::timestamptz[]) as v(id, at)
          join webhook_outbox f on f.id = v.id
          where o.id = any(${pgArray(queuedBehind)}::bigint[]) and o.webhook_id = f.webhook_id
            and o.party_id = f.party_id and (o.seq, o.id) > (f.seq, f.id)
            and o.status = 'pending' and o.next_attempt_at < v.at`);
      // What this leaves pending of a webhook deleted or disabled meanwhile (delete and disable leave a
      // worker's leased rows to it; a disable here met this worker's other rows still leased) ends now,
      // not at a sweep: a retry or the events behind it are not due for up to an hour.
      if (giveBack.length > 0 || retrying.length > 0)
        await endUnclaimableEvents(tx, now, [...touched, ...queuedBehind]);
    });
    for (const [outcome, seconds] of observed) this.#observer?.delivery(outcome, seconds);
  }
}

/** Claimed rows (in delivery order) split by webhook and party. */
function byParty(rows: readonly OutboxRow[]): OutboxRow[][] {
  const out: OutboxRow[][] = [];
  let last: OutboxRow | undefined;
  for (const row of rows) {
    if (last?.webhookId === row.webhookId && last.partyId === row.partyId) out.at(-1)?.push(row);
    else out.push([row]);
    last = row;
  }
  return out;
}

/** A 2xx answer: the receiver has the event. */
function acknowledged(outcome: PostOutcome | null): boolean {
  return outcome !== null && outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
}

function describeFailure(outcome: PostOutcome, windowMs: number): string {
  const last = outcome.status !== null ? `HTTP ${outcome.status}` : (outcome.error ?? 'no response');
  return `deliveries failed for ${Math.round(windowMs / 3_600_000)} h (last: ${last})`;
}

/** How often at most a worker looks for queued events that no claim may take. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Ends the queued events no claim may take: those of a deleted webhook or of a revoked key `cancelled`
 * (as webhook.delete; a revoked key's webhooks are made again with a new key), those of a disabled one
 * `failed` (as the disable; webhook.replay queues them again). A key revoked with a backlog left all of
 * it, and a write racing a delete or a disable left its event, pending for ever: every claim round found
 * them due and claimed nothing. Skips rows another transaction holds, and those leased (see `endQueued`).
 * With `ids`, only those.
 */
export async function endUnclaimableEvents(
  db: Tx | Db['db'],
  now: Date,
  ids?: readonly number[],
): Promise<void> {
  await db.execute(sql`
    with ended as (
      select o.id, (w.deleted_at is null and k.revoked_at is null) as disabled
      from webhook_outbox o
      join webhooks w on w.id = o.webhook_id
      join api_keys k on k.id = w.api_key_id
      where o.status = 'pending' and (o.lease_until is null or o.lease_until < ${now.toISOString()})
        and (w.deleted_at is not null or w.disabled_at is not null or k.revoked_at is not null)
        ${ids ? sql`and o.id = any(${pgArray(ids)}::bigint[])` : sql``}
      for update of o skip locked)
    update webhook_outbox o
    set status = case when e.disabled then 'failed' else 'cancelled' end, lease_until = null, lease_owner = null
    from ended e where o.id = e.id`);
}

/**
 * Disables a webhook (kept, with why) and fails its queued deliveries `queued` (locked by the caller:
 * changing others, queued since, could wait for a transaction that waits for this one);
 * `webhook.replay` re-enables it.
 */
export async function disableWebhook(
  tx: Tx,
  webhookId: string,
  now: Date,
  reason: string,
  queued: readonly number[],
): Promise<void> {
  await tx
    .update(webhooks)
    .set({ disabledAt: now, disabledReason: reason })
    .where(and(eq(webhooks.id, webhookId), sql`${webhooks.disabledAt} is null`));
  await endQueued(tx, queued, 'failed', now);
}

/**
 * Ends queued deliveries, those of `ids` still pending: `failed` (a disable), `cancelled` (a delete). One
 * leased to a live worker is left to it: it is being sent, or is next in its party's batch (the worker
 * records the outcome, and ends what it does not send). Ended under a
 * worker, its lease went with it, and after a replay re-enabled the webhook another worker took the
 * replayed events of the party while the first was still sending its own.
 */
export async function endQueued(
  tx: Tx,
  ids: readonly number[],
  status: 'failed' | 'cancelled',
  now: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(sql`update webhook_outbox set status = ${status}, lease_until = null, lease_owner = null
    where id = any(${pgArray(ids)}::bigint[]) and status = 'pending'
      and (lease_until is null or lease_until < ${now.toISOString()})`);
}

/** Deliveries waiting (pending) in the whole queue: the `fivecolor_webhook_queue_depth` gauge. */
export async function queueDepth(deps: Deps): Promise<number> {
  const [row] = rowsOf<{ n: string | number }>(
    await deps.db.db.execute(sql`select count(*) as n from webhook_outbox where status = 'pending'`),
  );
  return Number(row?.n ?? 0);
}
