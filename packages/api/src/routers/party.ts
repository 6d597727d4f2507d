import { z } from 'zod';
import { issueBadgeToken, revokeBadgeToken } from '../services/badge-service.js';
import { caseHistory, markCase, markedCases } from '../services/case-marks.js';
import { exportParty } from '../services/export-service.js';
import { searchParties } from '../services/party-search.js';
import {
  issueSession,
  lookupParty,
  partyDetails,
  partyTimeline,
  registerParty,
} from '../services/party-service.js';
import { screeningsOfCase, screenParties } from '../services/screen-service.js';
import { procedure, router } from '../trpc/trpc.js';
import {
  caseNumber,
  idempotencyKey,
  partyId,
  partyKind,
  partyName,
  purpose,
  text,
  withIdentity,
} from '../trpc/validators.js';

const lang = z.enum(['zh-CN', 'en'], { message: "must be 'zh-CN' or 'en'" }).optional();

export const partyRouter = router({
  register: procedure
    .input(withIdentity({ kind: partyKind, name: partyName, idempotencyKey }))
    .mutation(({ ctx, input }) => registerParty(ctx.caller, input)),

  lookup: procedure
    .input(withIdentity({ purpose, lang }))
    .mutation(({ ctx, input }) => lookupParty(ctx.caller, input)),

  /** Exact full name among the parties the calling court has seen: masked candidates, audited (a mutation: no name in a URL). */
  search: procedure
    .input(z.object({ name: partyName, purpose }))
    .mutation(({ ctx, input }) => searchParties(ctx.caller, input)),

  get: procedure
    .input(z.object({ partyId, purpose, lang }))
    .query(({ ctx, input }) => partyDetails(ctx.caller, input.partyId, input.purpose, input.lang)),

  /** Everything the system holds about the party, as one JSON document (the party, or court staff for it). */
  export: procedure
    .input(z.object({ partyId }))
    .query(({ ctx, input }) => exportParty(ctx.caller, input.partyId)),

  timeline: procedure
    .input(z.object({ partyId, purpose }))
    .query(({ ctx, input }) => partyTimeline(ctx.caller, input.partyId, input.purpose)),

  screen: procedure
    .input(
      z.object({
        caseNumber,
        parties: z
          .array(withIdentity({ kind: partyKind.optional(), name: text(100).optional() }))
          .min(1, 'must list at least one party')
          .max(200, 'at most 200 parties per case'),
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => screenParties(ctx.caller, input)),

  screenings: procedure
    .input(z.object({ caseNumber }))
    .query(({ ctx, input }) => screeningsOfCase(ctx.caller, input.caseNumber.value)),

  /** Marks a screened case for the trial judge (append-only, audited against the case's parties). */
  markCase: procedure
    .input(z.object({ caseNumber, note: text(500).optional(), idempotencyKey }))
    .mutation(({ ctx, input }) => markCase(ctx.caller, input)),

  /** The cases marked in the key's courts, the most recently marked first, with their marks and screenings. */
  markedCases: procedure
    .input(
      z
        .object({
          caseNumber: caseNumber.optional(),
          limit: z
            .number()
            .int('must be an integer')
            .min(1, 'must be at least 1')
            .max(100, 'must be at most 100')
            .optional(),
          offset: z.number().int('must be an integer').min(0, 'must be at least 0').optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => markedCases(ctx.caller, input)),

  /** The party's cases by year (screenings, marks, records entered and revoked), audited as a read. */
  caseHistory: procedure
    .input(z.object({ partyId, purpose }))
    .query(({ ctx, input }) => caseHistory(ctx.caller, input.partyId, input.purpose)),

  issueSession: procedure
    .input(z.object({ partyId }))
    .mutation(({ ctx, input }) => issueSession(ctx.caller, input.partyId)),

  issueBadgeToken: procedure
    .input(z.object({ partyId, idempotencyKey }))
    .mutation(({ ctx, input }) => issueBadgeToken(ctx.caller, input)),

  revokeBadgeToken: procedure
    .input(z.object({ token: text(128), idempotencyKey }))
    .mutation(({ ctx, input }) => revokeBadgeToken(ctx.caller, input)),
});
