import { z } from 'zod';
import { importRecordInput, importRecords } from '../services/exchange-import-service.js';
import { FEED_TYPES, readChanges } from '../services/feed-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { idempotencyKey } from '../trpc/validators.js';

const feedType = z.enum(FEED_TYPES, { message: `must be one of ${FEED_TYPES.join(', ')}` });

export const exchangeRouter = router({
  /**
   * The change feed: every record, objection and color event in `seq` order, a page after `cursor`
   * (`limit` 1..1000, default 100), optionally only `types`. An `exchange` key and the admin see names
   * and identity numbers in clear; a bank sees only the color changes of parties that consented,
   * masked. Each page is audited as a read of the parties it shows.
   */
  changes: procedure
    .input(
      z
        .object({
          cursor: z.string().max(512, 'must be at most 512 characters').optional(),
          limit: z
            .number()
            .int('must be an integer')
            .min(1, 'must be at least 1')
            .max(1000, 'must be at most 1000')
            .optional(),
          types: z
            .array(feedType)
            .min(1, 'must name at least one type (omit it for all)')
            .max(FEED_TYPES.length)
            .optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => readChanges(ctx.caller, input)),

  /**
   * Mutual recognition (互通互认): an `exchange` key's organization submits its records (1..1000) with its
   * own external ids; each is created, amended, unchanged, revoked or rejected on its own.
   */
  import: procedure
    .input(
      z.object({
        records: z
          .array(importRecordInput)
          .min(1, 'must hold at least one record')
          .max(1000, 'must hold at most 1000 records; split the import into calls of 1000'),
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => importRecords(ctx.caller, input)),
});
