import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Scalar } from '@scalar/hono-api-reference';
import type { Hono } from 'hono';
import { z } from 'zod';
import { roleTable } from '../auth/roles.js';
import { appRouter } from '../routers/root.js';
import {
  badgeOutput,
  procedureOutputs,
  reportVerificationOutput,
  trpcErrorOutput,
  webhookPayload,
} from './openapi-outputs.js';

type JsonSchema = Record<string, unknown>;
type Procedure = { _def: { type: 'query' | 'mutation' | 'subscription'; inputs: unknown[] } };

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), inlined, without `$schema`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('TrpcError')) });

/** The procedures a partner (bank, exchange platform, portal) calls first: listed first, with a summary. */
const SUMMARIES: Record<string, string> = {
  'party.lookup': 'A party by identity (court roles): code, records, explanation',
  'party.get': "A party by id: a bank under the party's `code` consent sees its color, masked",
  'report.verify': 'Verifies a judicial integrity report online (report number + code)',
  'consent.list': 'Consents naming the caller (a bank: the parties that consented to it)',
  'exchange.changes': 'The change feed, a page after `cursor`',
  'exchange.import': 'Imports records of an exchange source (mutual recognition, 互通互认)',
  'webhook.create': 'Subscribes a URL to change-feed events (Standard Webhooks)',
  'webhook.list': "The caller's webhooks",
  'webhook.delete': 'Deletes a webhook',
  'webhook.deliveries': "A webhook's recent deliveries",
  'webhook.replay': 'Delivers events again from a sequence number',
};

function procedureOperation(path: string, proc: Procedure) {
  const isQuery = proc._def.type === 'query';
  const input = proc._def.inputs[0] as z.ZodType | undefined;
  const output = procedureOutputs[path];
  const roles = roleTable[path] ?? [];
  const inputSchema = input ? jsonSchema(input, 'input') : undefined;
  return {
    operationId: path.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase()),
    tags: [path.split('.')[0] as string],
    summary: SUMMARIES[path] ?? path,
    description: [
      `tRPC procedure \`${path}\` (${isQuery ? 'query' : 'mutation'}). Roles: ${roles.join(', ')}.`,
      isQuery
        ? 'Send the input as the URL-encoded JSON `input` query parameter.'
        : 'Send the input as the JSON body.',
    ].join(' '),
    ...(isQuery
      ? inputSchema
        ? {
            parameters: [
              {
                name: 'input',
                in: 'query',
                required: !isOptional(input as z.ZodType),
                description: 'The procedure input as JSON, URL-encoded',
                content: json(inputSchema),
              },
            ],
          }
        : {}
      : {
          requestBody: {
            required: inputSchema ? !isOptional(input as z.ZodType) : false,
            content: json(inputSchema ?? { type: 'null' }),
          },
        }),
    responses: {
      '200': {
        description: 'The result, wrapped as tRPC does: `{ result: { data } }`',
        content: json({
          type: 'object',
          properties: {
            result: {
              type: 'object',
              properties: { data: output ? jsonSchema(output, 'output') : {} },
              required: ['data'],
            },
          },
          required: ['result'],
        }),
      },
      '400': errorResponse('BAD_REQUEST: the message names the field and the rule'),
      '401': errorResponse('UNAUTHORIZED: no or an unknown key'),
      '403': errorResponse('FORBIDDEN: the role or the party’s consent does not allow it'),
      '404': errorResponse('NOT_FOUND'),
      '409': errorResponse('CONFLICT'),
      '429': errorResponse('TOO_MANY_REQUESTS'),
    },
  };
}

function isOptional(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

/** The plain HTTP routes partners call without tRPC (public: no key). */
function publicPaths() {
  return {
    '/v1/reports/{reportNo}': {
      get: {
        operationId: 'verifyReportPublic',
        tags: ['public'],
        summary: 'Verifies a report online (public; the QR code on a report points here)',
        security: [],
        parameters: [
          { name: 'reportNo', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'code', in: 'query', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description:
              'Valid, or expired (`valid: false, reason: expired`). HTML for a browser that asks for it.',
            content: json(jsonSchema(reportVerificationOutput, 'output')),
          },
          '400': {
            description: 'Malformed report number or code',
            content: json(jsonSchema(reportVerificationOutput, 'output')),
          },
          '403': { description: 'Wrong code', content: json(jsonSchema(reportVerificationOutput, 'output')) },
          '404': {
            description: 'Unknown report number',
            content: json(jsonSchema(reportVerificationOutput, 'output')),
          },
          '429': { description: 'Too many wrong codes (Retry-After)' },
        },
      },
    },
    '/v1/badge/{token}': {
      get: {
        operationId: 'badge',
        tags: ['public'],
        summary: "A party's code badge by its opaque badge token (public, CORS *, ETag)",
        security: [],
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The badge', content: json(jsonSchema(badgeOutput, 'output')) },
          '404': { description: 'Unknown or revoked token' },
          '429': { description: 'Too many unknown tokens from this client (Retry-After)' },
        },
      },
    },
    '/.well-known/jwks.json': {
      get: {
        operationId: 'jwks',
        tags: ['public'],
        summary: "The court's report-signing public keys (offline verification)",
        security: [],
        responses: { '200': { description: 'A JWKS', content: json({ type: 'object' }) } },
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the API: every procedure of the router that the role table allows to
 * someone, described in tRPC's own HTTP format (queries `GET /trpc/<path>?input=<url-encoded JSON>`,
 * mutations `POST /trpc/<path>` with the JSON body, results `{ result: { data } }`, errors tRPC's JSON
 * error), the public routes, and the webhook payload. Inputs are the procedures' own zod parsers;
 * outputs come from `openapi-outputs.ts`. Served at `GET /openapi.json`.
 *
 * @example
 * const doc = openApiDocument({ serverUrl: 'https://court.example' });
 * doc.paths['/trpc/exchange.changes'].get; // the change feed
 */
export function openApiDocument(opts: { serverUrl?: string | undefined } = {}) {
  const procedures = appRouter._def.procedures as unknown as Record<string, Procedure>;
  const partnerFirst = (p: string) => (p in SUMMARIES ? 0 : 1);
  const paths: Record<string, unknown> = {};
  for (const path of Object.keys(procedures).sort((a, b) => partnerFirst(a) - partnerFirst(b))) {
    const proc = procedures[path] as Procedure;
    if ((roleTable[path] ?? []).length === 0 || proc._def.type === 'subscription') continue;
    paths[`/trpc/${path}`] = {
      [proc._def.type === 'query' ? 'get' : 'post']: procedureOperation(path, proc),
    };
  }
  Object.assign(paths, publicPaths());
  return {
    openapi: '3.1.0',
    info: {
      title: 'Five-Color Code API (诚信诉讼码)',
      version: '1',
      description:
        'The court’s integrity-litigation API. Procedures are tRPC over plain JSON (no transformer): any HTTP client can call them as described here. Authenticate with `Authorization: Bearer <api key or party session token>`.',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl.replace(/\/+$/, '') }] } : {}),
    security: [{ bearer: [] }],
    paths,
    webhooks: {
      changeFeedEvent: {
        post: {
          summary: 'A change-feed event delivered to a subscribed URL (Standard Webhooks)',
          description:
            'Verify `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` with the base64 part of the `whsec_` secret) before trusting the body; answer 2xx, anything else is retried with back-off.',
          parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
            name,
            in: 'header',
            required: true,
            schema: { type: 'string' },
          })),
          requestBody: { required: true, content: json(ref('WebhookPayload')) },
          responses: { '200': { description: 'Received (any 2xx)' } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (`fck_…`) or a party session token',
        },
      },
      schemas: {
        TrpcError: jsonSchema(trpcErrorOutput, 'output'),
        WebhookPayload: jsonSchema(webhookPayload, 'output'),
      },
    },
  };
}

let scalarScript: string | undefined;

/**
 * Mounts `GET /openapi.json` (built once, on first request) and the interactive reference at
 * `GET /docs` (Scalar), whose script is served from this server at `/docs/scalar.js` (no CDN, no web
 * fonts: courts run closed networks).
 */
export function mountOpenApi(app: Hono, opts: { publicUrl?: string | undefined } = {}): void {
  let doc: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', (c) => {
    doc ??= openApiDocument({ serverUrl: opts.publicUrl });
    return c.json(doc);
  });
  app.get('/docs/scalar.js', (c) => {
    scalarScript ??= readFileSync(
      createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js'),
      'utf8',
    );
    return c.body(scalarScript, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=86400',
    });
  });
  app.get(
    '/docs',
    Scalar({
      url: '/openapi.json',
      cdn: '/docs/scalar.js',
      pageTitle: 'Five-Color Code API',
      withDefaultFonts: false,
    }),
  );
}
