import { z } from 'zod';
import { grantConsent, listBanks, listConsents, revokeConsent } from '../services/consent-service.js';
import { procedure, router } from '../trpc/trpc.js';
import { idempotencyKey, isoDate, nonEmptyText, partyId } from '../trpc/validators.js';

const scopes = z
  .array(z.enum(['code', 'report'], { message: "must be 'code' or 'report'" }))
  .min(1, "must list at least one of 'code', 'report'")
  .max(2, "must list 'code', 'report' or both")
  .refine((s) => new Set(s).size === s.length, 'must not repeat a scope');

export const consentRouter = router({
  /**
   * The party lets a bank (named by its API key's organization) read its code and/or issue and
   * fetch its reports until `until` (exclusive, an Asia/Shanghai date).
   */
  grant: procedure
    .input(z.object({ grantee: nonEmptyText(100), scopes, until: isoDate, idempotencyKey }))
    .mutation(({ ctx, input }) => grantConsent(ctx.caller, input)),

  /** The party withdraws a consent; the bank is denied from the next request on. */
  revoke: procedure
    .input(z.object({ consentId: partyId, idempotencyKey }))
    .mutation(({ ctx, input }) => revokeConsent(ctx.caller, input)),

  /** The banks a consent may name (`[{ org, name }]`): organizations of active bank keys, once each. */
  banks: procedure.query(({ ctx }) => listBanks(ctx.caller)),

  /** Party: its consents. Bank: the consents naming its organization. Admin: all (or one party's). Newest first. */
  list: procedure
    .input(z.object({ partyId: partyId.optional() }).optional())
    .query(({ ctx, input }) => listConsents(ctx.caller, input)),
});
