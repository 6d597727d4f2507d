import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { latestAuditCheckpoint } from '../audit/checkpoint.js';
import { renderReportPdf } from '../reports/report-pdf.js';
import { type Verifier, verifyOnline } from '../reports/report-service.js';
import type { Deps } from '../services/deps.js';
import { reportPage } from './report-page.js';

/** The client address for rate limits: the socket's, or behind a trusted proxy the last X-Forwarded-For hop. */
function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const hop = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (hop) return hop;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const STATUS = { malformed: 400, not_found: 404, bad_code: 403, rate_limited: 429, expired: 200 } as const;

/**
 * Public report routes (CORS `*`, no credentials): `GET /.well-known/jwks.json`,
 * `GET /v1/reports/:reportNo?code=…` (JSON, or an HTML page for a browser that scanned the QR code)
 * and `GET /v1/reports/:reportNo.pdf?code=…`.
 */
export function mountReportRoutes(
  app: Hono,
  deps: Deps,
  opts: { elementsScript?: string | undefined } = {},
): void {
  const corsAll = cors({
    origin: '*',
    allowMethods: ['GET', 'HEAD', 'OPTIONS'],
    exposeHeaders: ['Retry-After'],
  });
  app.use('/.well-known/jwks.json', corsAll);
  app.use('/v1/reports/*', corsAll);

  app.get('/.well-known/jwks.json', async (c) => {
    const jwks = await deps.reports.jwks(deps.db, deps.now());
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(jwks);
  });

  // The newest signed checkpoint of the audit chain (compact JWS of `{ seq, head, at }`): save copies
  // elsewhere; `fivecolor-server verify --checkpoint-file` proves the chain was not rewritten before it.
  app.use('/.well-known/fivecolor-audit-head', corsAll);
  app.get('/.well-known/fivecolor-audit-head', async (c) => {
    const cp = await latestAuditCheckpoint(deps.db);
    c.header('Cache-Control', 'public, max-age=300');
    if (!cp) return c.json({ error: 'no checkpoint signed yet' }, 404);
    return c.body(cp.jws, 200, { 'Content-Type': 'application/jose' });
  });

  const page = (c: Context) => ({
    lang: c.req.query('lang') === 'en' ? ('en' as const) : ('zh-CN' as const),
    elementsScript: opts.elementsScript,
  });

  app.get('/v1/reports/:reportNo', async (c) => {
    let reportNo = c.req.param('reportNo');
    const pdf = reportNo.endsWith('.pdf');
    if (pdf) reportNo = reportNo.slice(0, -4);
    const who: Verifier = {
      client: `addr:${clientAddress(c, deps.reports.trustProxy)}`,
      audit: { actorId: null, actorRole: 'public', actorOrg: null, requestId: c.get('requestId') as string },
      action: pdf ? 'report.pdf' : 'report.verify',
    };
    const out = await verifyOnline(deps, { reportNo, code: c.req.query('code') ?? '' }, who);
    c.header('Cache-Control', 'no-store');
    const html = !pdf && /text\/html/.test(c.req.header('accept') ?? '') && c.req.query('format') !== 'json';
    if (out.kind === 'invalid') {
      if (out.retryAfter) c.header('Retry-After', String(out.retryAfter));
      const status = STATUS[out.result.reason as keyof typeof STATUS] ?? 400;
      return html ? c.html(reportPage(out.result, page(c)), status) : c.json(out.result, status);
    }
    if (pdf) {
      const base = out.result.report?.verifyUrl;
      const body = await renderReportPdf(out.result.report as NonNullable<typeof out.result.report>, {
        code: out.code,
        verifyUrl: `${base ?? new URL(c.req.url).origin + c.req.path.replace(/\.pdf$/, '')}?code=${out.code}`,
        kid: out.kid,
        expired: !out.result.valid,
      });
      return c.body(new Uint8Array(body), 200, {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `inline; filename="report-${encodeURIComponent(reportNo)}.pdf"`,
      });
    }
    return html ? c.html(reportPage(out.result, { ...page(c), code: out.code })) : c.json(out.result);
  });
}
