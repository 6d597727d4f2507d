import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { rowsOf } from '../db/rows.js';
import { apiKeys, webhookOutbox, webhooks } from '../db/schema.js';
import { today } from '../state/party-state.js';
import { allowPrivateFromEnv, checkWebhookUrl } from '../webhooks/url-guard.js';
import { endQueued, messageId } from '../webhooks/webhook-worker.js';
import type { Caller } from './access.js';
import { auditedWrite } from './audit-trail.js';
import { badRequest, conflict, notFound, quoteId } from './errors.js';
import type { FeedType } from './feed-service.js';

type WebhookRow = typeof webhooks.$inferSelect;
type OutboxRow = typeof webhookOutbox.$inferSelect;

/** What a bank's webhook may receive (domain §9: color changes of consenting parties, masked). */
const BANK_TYPES: readonly FeedType[] = ['color.changed'];

/** Most events one `webhook.replay` queues; the answer says where to continue. */
export const REPLAY_MAX = 10_000;

function allowPrivate(c: Caller): boolean {
  return c.deps.webhooks?.allowPrivate ?? allowPrivateFromEnv();
}

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes, base64. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function lastDeliveryView(o: OutboxRow | undefined) {
  if (!o) return null;
  return {
    seq: o.seq,
    status: o.status,
    at: (o.deliveredAt ?? o.lastAttemptAt)?.toISOString() ?? null,
    httpStatus: o.lastStatus,
    error: o.lastError,
  };
}

/** A webhook with when its creating key was revoked (`null`: live). */
type OwnWebhook = WebhookRow & { keyRevokedAt: Date | null };

/** Why a webhook whose creating key was revoked delivers nothing (a rotated key does not take it over). */
const keyRevoked = (w: OwnWebhook) =>
  `the key that created it (${w.apiKeyId}) was revoked: it delivers nothing more; create it again with a live key`;

function webhookView(w: OwnWebhook, last?: OutboxRow) {
  return {
    id: w.id,
    url: w.url,
    types: w.types,
    description: w.description,
    createdAt: w.createdAt.toISOString(),
    disabledAt: (w.disabledAt ?? w.keyRevokedAt)?.toISOString() ?? null,
    disabledReason: w.keyRevokedAt ? keyRevoked(w) : w.disabledReason,
    lastDelivery: lastDeliveryView(last),
  };
}

/** The webhooks a caller manages: an admin all of them; a partner key those of its role and organization. */
async function findOwn(c: Caller, id?: string, deleted = false): Promise<OwnWebhook[]> {
  const p = c.principal;
  const where = deleted ? [] : [isNull(webhooks.deletedAt)];
  if (id !== undefined) where.push(eq(webhooks.id, id));
  if (p.role !== 'admin') where.push(eq(apiKeys.org, p.org ?? ''), eq(apiKeys.role, p.role));
  const rows = await c.deps.db.db
    .select({ w: webhooks, keyRevokedAt: apiKeys.revokedAt })
    .from(webhooks)
    .innerJoin(apiKeys, eq(apiKeys.id, webhooks.apiKeyId))
    .where(and(...where))
    .orderBy(webhooks.createdAt);
  return rows.map((r) => ({ ...r.w, keyRevokedAt: r.keyRevokedAt }));
}

function noWebhook(id: string): never {
  return notFound(`id: no webhook ${quoteId(id)} of this key's organization`);
}

/** `deleted`: a deleted one too (deleting again answers as the first time, a retry with its key as well). */
async function findOne(c: Caller, id: string, deleted = false): Promise<OwnWebhook> {
  const [w] = await findOwn(c, id, deleted);
  // The same answer for another partner's webhook as for none: a key learns nothing of others.
  if (!w) noWebhook(id);
  return w;
}

/** A new webhook's view with its secret, which is shown this once. */
export interface CreatedWebhook {
  id: string;
  url: string;
  types: string[];
  description: string | null;
  secret: string;
}

/**
 * Subscribes `url` to change-feed events of `types` (all the caller may see when omitted) for the
 * caller's key. The URL must be http(s) and, unless the operator allows private targets, resolve to
 * public addresses only. The secret (`whsec_…`) is returned this once and kept encrypted; a replay of
 * the same idempotency key answers the webhook without it.
 */
export async function createWebhook(
  c: Caller,
  input: {
    url: string;
    types?: FeedType[] | undefined;
    description?: string | undefined;
    idempotencyKey?: string | undefined;
  },
): Promise<CreatedWebhook | Omit<CreatedWebhook, 'secret'>> {
  const p = c.principal;
  const { idempotencyKey, ...rest } = input;
  const types = [...new Set(input.types ?? [])];
  if (p.role === 'bank') {
    const other = types.find((t) => !BANK_TYPES.includes(t));
    if (other)
      badRequest(`types: a bank's webhook receives only color.changed (of consenting parties), not ${other}`);
  }
  const refused = await checkWebhookUrl(input.url, allowPrivate(c));
  if (refused) badRequest(refused);
  return auditedWrite(
    c,
    { key: idempotencyKey, input: rest, storeAs: ({ secret: _shownOnce, ...view }: CreatedWebhook) => view },
    async (w) => {
      const secret = newSecret();
      const [row] = await w.tx
        .insert(webhooks)
        .values({
          id: `whk_${randomBytes(16).toString('base64url')}`,
          apiKeyId: p.id,
          url: input.url,
          secretEnc: c.deps.crypto.encrypt(secret),
          types,
          description: input.description ?? null,
          createdAt: c.deps.now(),
        })
        .returning();
      const created = row as WebhookRow;
      await w.audit({ target: created.id, detail: { url: created.url, types } });
      return { id: created.id, url: created.url, types, description: created.description, secret };
    },
  );
}

/** The caller's live webhooks (an admin: everyone's), oldest first, each with its last delivery attempt. */
export async function listWebhooks(c: Caller) {
  const own = await findOwn(c);
  if (own.length === 0) return [];
  const last = rowsOf<{ id: string | number }>(
    await c.deps.db.db.execute(sql`
      select distinct on (webhook_id) id from webhook_outbox
      where webhook_id in ${own.map((w) => w.id)} and last_attempt_at is not null
      order by webhook_id, last_attempt_at desc, id desc`),
  );
  const rows =
    last.length === 0
      ? []
      : await c.deps.db.db
          .select()
          .from(webhookOutbox)
          .where(
            inArray(
              webhookOutbox.id,
              last.map((r) => Number(r.id)),
            ),
          );
  const byWebhook = new Map(rows.map((r) => [r.webhookId, r]));
  return own.map((w) => webhookView(w, byWebhook.get(w.id)));
}

/** Marks a webhook deleted (the row is kept) and cancels its pending deliveries; deleting again changes nothing. */
export async function deleteWebhook(c: Caller, input: { id: string; idempotencyKey?: string | undefined }) {
  const found = await findOne(c, input.id, true);
  return auditedWrite(c, { key: input.idempotencyKey, input: { id: input.id } }, async (w) => {
    const now = c.deps.now();
    // Locks first, in the order the delivery worker takes them when it disables a webhook: the webhook,
    // then its queued rows in id order. Otherwise each can hold what the other waits for (a delete
    // meeting a disable failed with a deadlock: a 500). `no key update`: a write queueing an event for
    // the webhook meanwhile (its foreign key takes `key share`) is not held up, nor can it close a circle.
    await w.tx.execute(sql`select id from webhooks where id = ${found.id} for no key update`);
    const locked = rowsOf<{ id: string | number }>(
      await w.tx.execute(
        sql`select id from webhook_outbox where webhook_id = ${found.id} and status = 'pending' order by id for update`,
      ),
    ).map((r) => Number(r.id));
    const updated = await w.tx
      .update(webhooks)
      .set({ deletedAt: now })
      .where(and(eq(webhooks.id, found.id), isNull(webhooks.deletedAt)))
      .returning({ id: webhooks.id });
    if (updated.length > 0) {
      // Only those locked: one a write queued since (not seen above) may be held by a worker that waits
      // for one of these; the worker cancels such late ones (endUnclaimableEvents).
      await endQueued(w.tx, locked, 'cancelled', now);
      await w.audit({ target: found.id });
    }
    return { id: found.id, deleted: true as const };
  });
}

/** A webhook's deliveries, newest first: each event's status, attempts and last response. */
export async function listDeliveries(c: Caller, input: { id: string; limit?: number | undefined }) {
  const found = await findOne(c, input.id);
  const rows = await c.deps.db.db
    .select()
    .from(webhookOutbox)
    .where(eq(webhookOutbox.webhookId, found.id))
    .orderBy(desc(webhookOutbox.id))
    .limit(input.limit ?? 50);
  return rows.map((o) => ({
    messageId: messageId(o.webhookId, o.seq),
    seq: o.seq,
    kind: o.kind,
    status: o.status as 'pending' | 'delivered' | 'failed' | 'skipped' | 'cancelled',
    attempts: o.attempts,
    lastAttemptAt: o.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: o.status === 'pending' ? o.nextAttemptAt.toISOString() : null,
    httpStatus: o.lastStatus,
    error: o.lastError,
    ms: o.lastMs,
    deliveredAt: o.deliveredAt?.toISOString() ?? null,
    replay: o.replay,
  }));
}

/**
 * Queues the change-feed events from `fromSeq` on (up to {@link REPLAY_MAX}) for delivery again, in
 * order per party after what is already pending, with their original message ids; re-enables a
 * disabled webhook. Answers how many were queued and, when more remain, the `seq` to replay from next.
 */
export async function replayWebhook(
  c: Caller,
  input: { id: string; fromSeq: number; idempotencyKey?: string | undefined },
) {
  const found = await findOne(c, input.id);
  // Queued for a webhook that sends nothing, events would wait for ever.
  if (found.keyRevokedAt) conflict(`id: ${keyRevoked(found)}`);
  const [key] = await c.deps.db.db.select().from(apiKeys).where(eq(apiKeys.id, found.apiKeyId));
  const { idempotencyKey, ...rest } = input;
  const out = await auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
    // The webhook again, locked as webhook.delete locks it first: one deleted since it was found gets
    // nothing queued (its events would stay pending for ever: deleted webhooks are never claimed).
    const [live] = rowsOf<{ deleted_at: unknown; disabled_at: unknown }>(
      await w.tx.execute(
        sql`select deleted_at, disabled_at from webhooks where id = ${found.id} for no key update`,
      ),
    );
    if (!live || live.deleted_at !== null) noWebhook(found.id);
    const now = c.deps.now();
    const types = found.types;
    const bank = key?.role === 'bank';
    const wanted =
      types.length === 0
        ? sql`true`
        : sql`(ch.kind in ${types} or (ch.kind = 'record.created' and ${types.includes('record.repaired')}))`;
    const visible = bank
      ? sql`ch.kind = 'color.changed' and exists (select 1 from consents co where co.party_id = ch.party_id
          and co.grantee = ${key?.org ?? ''} and co.revoked_at is null and co.until > ${today(c.deps)}
          and co.scopes ? 'code')`
      : sql`true`;
    const inserted = rowsOf<{ seq: string | number }>(
      await w.tx.execute(sql`
        insert into webhook_outbox (webhook_id, seq, party_id, kind, next_attempt_at, created_at, replay)
        select ${found.id}, ch.seq, ch.party_id, ch.kind, ${now.toISOString()}, ${now.toISOString()}, true
        from changes ch where ch.seq >= ${input.fromSeq} and ${wanted} and ${visible}
        order by ch.seq limit ${REPLAY_MAX}
        returning seq`),
    );
    const queued = inserted.length;
    const more = rowsOf<{ seq: string | number }>(
      await w.tx.execute(sql`
        select ch.seq from changes ch where ch.seq > ${inserted.reduce((m, r) => Math.max(m, Number(r.seq)), input.fromSeq - 1)}
          and ${wanted} and ${visible} order by ch.seq limit 1`),
    );
    const reenabled = live.disabled_at !== null; // as it is now: a disable may have come since it was found
    if (reenabled)
      await w.tx
        .update(webhooks)
        .set({ disabledAt: null, disabledReason: null })
        .where(eq(webhooks.id, found.id));
    await w.audit({ target: found.id, detail: { fromSeq: input.fromSeq, queued, reenabled } });
    return {
      id: found.id,
      fromSeq: input.fromSeq,
      queued,
      nextSeq: more[0] ? Number(more[0].seq) : null,
      reenabled,
    };
  });
  c.deps.webhooks?.kick();
  return out;
}
