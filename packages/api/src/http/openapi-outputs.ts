import { z } from 'zod';
import { FEED_TYPES, type FeedType } from '../services/feed-service.js';

/**
 * What the partner procedures and public routes answer, as zod, for the OpenAPI document only (the
 * procedures declare no `.output()`; nothing parses with these). One place: `openapi.ts` reads them by
 * procedure path. Objects are open (`looseObject`): a response may carry more fields than listed.
 */

const color = z.enum(['green', 'red', 'yellow', 'blue', 'gold']);
const isoDate = z.string().describe('YYYY-MM-DD, a calendar date in Asia/Shanghai');
const instant = z.string().describe('ISO 8601 instant');

const classification = z.looseObject({
  color,
  asOf: isoDate,
  since: isoDate.nullable(),
  until: isoDate.nullable().describe('First date on which the color may change by time alone'),
  basis: z.array(z.string()).describe('Ids of the records that decide the color'),
  policyId: z.string(),
  label: z.string().describe('zh-CN label, e.g. 绿码'),
  labelEn: z.string(),
});

const record = z.looseObject({
  recordId: z.string(),
  partyId: z.string(),
  category: z.string().describe('Catalog code, e.g. R01'),
  color: color.nullable(),
  court: z.string(),
  caseNumber: z.string(),
  effectiveFrom: isoDate,
  effectiveUntil: isoDate.nullable().describe('Exclusive; null: indefinite'),
  repairs: z.array(z.string()),
  note: z.string().nullable(),
  source: z.string().describe("'court', or the organization of the exchange source that imported it"),
  sourceLabel: z
    .string()
    .nullable()
    .describe('来源：<source> for an imported record; null for the court’s own'),
  externalId: z.string().nullable(),
  revision: z.number().int(),
  revoked: z.boolean(),
  objection: z
    .looseObject({ objectionId: z.string(), status: z.literal('open'), dueDate: isoDate })
    .nullable()
    .describe('An open objection (异议审查中): the record keeps counting, flagged'),
});

const partyDetails = z.looseObject({
  party: z.looseObject({
    partyId: z.string(),
    kind: z.enum(['person', 'org']),
    idType: z.string(),
    name: z.string().describe("Masked for a bank (章**); an organization's in full"),
    idNumber: z.string().describe('Masked for a bank (3302**********1234)'),
  }),
  classification,
  records: z.array(record).describe('Empty for a bank'),
});

const colorNow = z.looseObject({
  color,
  label: z.string(),
  asOf: isoDate,
  since: isoDate.nullable(),
  changed: z.boolean().describe('Whether the color changed since the report was issued'),
});

const reportVerification = z.looseObject({
  valid: z.boolean(),
  reason: z.enum(['not_found', 'bad_code', 'expired', 'rate_limited', 'malformed']).optional(),
  report: z
    .looseObject({
      v: z.literal(1),
      reportNo: z.string(),
      issuedAt: instant,
      expiresAt: instant,
      policyId: z.string(),
      issuer: z.looseObject({ court: z.string(), jwksUrl: z.string().nullable() }),
      party: z.looseObject({
        kind: z.enum(['person', 'org']),
        idType: z.string(),
        name: z.string(),
        idNumber: z.string(),
      }),
      classification: z.looseObject({ color, label: z.string(), asOf: isoDate, since: isoDate.nullable() }),
      records: z.array(
        z.looseObject({
          recordId: z.string(),
          category: z.string(),
          court: z.string(),
          caseNumber: z.string(),
          effectiveFrom: isoDate,
          effectiveUntil: isoDate.nullable(),
          status: z.enum(['active', 'objected', 'repaired', 'expired', 'pending']),
        }),
      ),
    })
    .nullable()
    .describe('The signed snapshot (masked as for a third party)'),
  signed: z.string().optional().describe("Compact JWS; check it offline with the court's JWKS"),
  colorNow: colorNow.nullable(),
});

/** A record as it stood right after a feed event (its later amendments and revocation are later items). */
const feedRecord = record.pick({
  recordId: true,
  category: true,
  color: true,
  court: true,
  caseNumber: true,
  effectiveFrom: true,
  effectiveUntil: true,
  repairs: true,
  source: true,
  externalId: true,
  revision: true,
  revoked: true,
});

/** A feed item of one type: the fields of every item and those this type always carries. */
const feedItemOf = <T extends FeedType>(type: T, description: string, fields: z.core.$ZodLooseShape) =>
  z
    .looseObject({
      seq: z.number().int(),
      type: z.literal(type),
      at: instant.describe('When it happened'),
      partyId: z.string(),
      party: z.looseObject({
        kind: z.enum(['person', 'org']),
        idType: z.string(),
        idNumber: z.string().describe('Clear for an exchange key; masked for a bank'),
        name: z.string().describe('Clear for an exchange key; masked for a bank'),
      }),
      ...fields,
      cursor: z.string().optional().describe('Resumes right after this item'),
    })
    .describe(description);

const reason = z.string().describe('The reason given');

/** Each type's item: `satisfies` makes a new feed type fail to compile until it is described here. */
const feedItemsByType = {
  'record.created': feedItemOf('record.created', 'A record was entered', { record: feedRecord }),
  'record.amended': feedItemOf('record.amended', 'A record was amended', { record: feedRecord, reason }),
  'record.revoked': feedItemOf('record.revoked', 'A record was revoked (kept, with the reason)', {
    record: feedRecord,
    reason,
  }),
  'record.repaired': feedItemOf('record.repaired', 'A credit repair was entered', { record: feedRecord }),
  'color.changed': feedItemOf(
    'color.changed',
    "The party's color changed (`color.basis` names the records)",
    {
      color: z.looseObject({
        from: color.nullable(),
        to: color,
        since: isoDate.nullable(),
        until: isoDate.nullable(),
        policyId: z.string().nullable(),
        basis: z.array(z.string()),
        cause: z.string().nullable().describe("'time' when time alone moved it"),
      }),
    },
  ),
  'objection.filed': feedItemOf('objection.filed', 'An objection to a record was filed', {
    record: feedRecord,
    objection: z.looseObject({ objectionId: z.string(), dueDate: isoDate }),
  }),
  'objection.resolved': feedItemOf('objection.resolved', 'An objection was decided', {
    record: feedRecord,
    objection: z.looseObject({ objectionId: z.string(), decision: z.enum(['upheld', 'rejected']) }),
  }),
} satisfies { [T in FeedType]: z.ZodObject<{ type: z.ZodLiteral<T> }> };

type FeedItemSchema = (typeof feedItemsByType)[FeedType];
const byType = <S extends z.ZodType>(f: (item: FeedItemSchema, type: FeedType) => S) =>
  FEED_TYPES.map((t) => f(feedItemsByType[t], t)) as [S, ...S[]];

/** One change-feed item: one member by `type`, each with the fields its type always carries. */
export const feedItem = z.discriminatedUnion(
  'type',
  byType((item) => item),
);

const consent = z.looseObject({
  consentId: z.string(),
  partyId: z.string(),
  grantee: z.string().describe("The bank key's organization"),
  scopes: z.array(z.enum(['code', 'report'])),
  until: isoDate,
  createdAt: instant,
  revokedAt: instant.nullable(),
  active: z.boolean(),
});

const webhook = z.looseObject({
  id: z.string(),
  url: z.string(),
  types: z.array(z.enum(FEED_TYPES)).nullable(),
  description: z.string().nullable(),
  createdAt: instant,
  disabledAt: instant.nullable(),
  lastDelivery: z.looseObject({}).nullable(),
});

/** The body of a webhook delivery (Standard Webhooks): the change-feed item of the event, by `type`. */
export const webhookPayload = z.discriminatedUnion(
  'type',
  byType((item, type) => z.object({ type: z.literal(type), timestamp: instant, data: item })),
);

/** The output of each documented procedure, by path; a procedure not listed answers JSON not described here. */
export const procedureOutputs: Record<string, z.ZodType> = {
  'party.lookup': partyDetails,
  'party.get': partyDetails,
  'report.verify': reportVerification,
  'consent.list': z.array(consent),
  'exchange.changes': z.looseObject({
    items: z.array(feedItem),
    nextCursor: z
      .string()
      .describe('Send it back as `cursor` for the next page (an empty page returns yours)'),
    hasMore: z.boolean(),
  }),
  'exchange.import': z.looseObject({
    source: z.string().describe("The key's organization, shown on the records as 来源：<source>"),
    results: z.array(
      z.looseObject({
        index: z.number().int().describe('Position in `records`'),
        externalId: z.string().nullable(),
        status: z.enum(['created', 'amended', 'unchanged', 'revoked', 'rejected']),
        recordId: z.string().optional(),
        partyId: z.string().optional(),
        error: z.string().optional().describe('records.<index>.<field>: <rule> (status rejected)'),
      }),
    ),
  }),
  'webhook.create': z.looseObject({
    id: z.string(),
    url: z.string(),
    types: z.array(z.enum(FEED_TYPES)).nullable(),
    secret: z.string().describe('whsec_…, shown this once'),
  }),
  'webhook.list': z.array(webhook),
  'webhook.delete': z.looseObject({ id: z.string(), deleted: z.literal(true) }),
  'webhook.deliveries': z.array(
    z.looseObject({
      seq: z.number().int(),
      status: z.string(),
      at: instant.nullable(),
      httpStatus: z.number().int().nullable(),
      error: z.string().nullable(),
    }),
  ),
  'webhook.replay': z.looseObject({ id: z.string(), fromSeq: z.number().int(), queued: z.number().int() }),
};

/** `GET /v1/reports/{reportNo}?code=` answers `report.verify`'s shape. */
export const reportVerificationOutput = reportVerification;

/** `GET /v1/badge/{token}`. */
export const badgeOutput = z.looseObject({
  color,
  label: z.string(),
  name: z.string().describe('Masked (章**); an organization in full'),
  kind: z.enum(['person', 'org']),
  asOf: isoDate,
  since: isoDate.nullable(),
  until: isoDate.nullable(),
  policyId: z.string(),
  underObjection: z.literal(true).optional(),
  verifyUrl: z.string().optional(),
});

/** tRPC's JSON error body (the API's error formatter). */
export const trpcErrorOutput = z.object({
  error: z.object({
    message: z.string().describe('field: rule, in the caller’s terms'),
    code: z.number().int().describe('JSON-RPC code, e.g. -32600'),
    data: z.looseObject({
      code: z
        .string()
        .describe('BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_MANY_REQUESTS, …'),
      httpStatus: z.number().int(),
      path: z.string().optional(),
    }),
  }),
});
