import { z } from 'zod';
import { importRecordInput, importRecords } from '../services/exchange-import-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { idempotencyKey } from '../trpc/validators.js';

export const exchangeRouter = router({
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
