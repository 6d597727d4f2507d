import { z } from 'zod';
import { FEED_TYPES } from '../services/feed-service.js';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  replayWebhook,
} from '../services/webhook-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { idempotencyKey, nonEmptyText, recordId, text } from '../trpc/validators.js';

const webhookId = recordId;
const feedType = z.enum(FEED_TYPES, { message: `must be one of ${FEED_TYPES.join(', ')}` });

export const webhookRouter = router({
  /**
   * Subscribes an http(s) URL to change-feed events (`types`, default all the key may see); deliveries
   * follow Standard Webhooks, signed with the returned `secret` (`whsec_…`), shown this once.
   */
  create: procedure
    .input(
      z.object({
        url: text(2000),
        types: z
          .array(feedType)
          .max(FEED_TYPES.length, `must list at most ${FEED_TYPES.length} types`)
          .optional(),
        description: nonEmptyText(200).optional(),
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => createWebhook(ctx.caller, input)),

  /** The key's organization's webhooks (an admin: all), with `disabledAt` and the last delivery. */
  list: procedure.query(({ ctx }) => listWebhooks(ctx.caller)),

  /** Marks a webhook deleted (kept) and cancels its pending deliveries. */
  delete: procedure
    .input(z.object({ id: webhookId, idempotencyKey }))
    .mutation(({ ctx, input }) => deleteWebhook(ctx.caller, input)),

  /** A webhook's recent deliveries, newest first. */
  deliveries: procedure
    .input(
      z.object({
        id: webhookId,
        limit: z
          .number()
          .int('must be an integer')
          .min(1, 'must be at least 1')
          .max(200, 'must be at most 200')
          .optional(),
      }),
    )
    .query(({ ctx, input }) => listDeliveries(ctx.caller, input)),

  /** Delivers the events from `fromSeq` on again (re-enabling a disabled webhook). */
  replay: procedure
    .input(
      z.object({
        id: webhookId,
        fromSeq: z.number().int('must be an integer').min(1, 'must be at least 1'),
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => replayWebhook(ctx.caller, input)),
});
