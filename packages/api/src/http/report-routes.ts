import type { Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { latestAuditCheckpoint } from '../audit/checkpoint.js';
import { renderReportPdf } from '../reports/report-pdf.js';
import { type Verifier, verifyOnline } from '../reports/report-service.js';
import type { Deps } from '../services/deps.js';
import { clientAddress } from './client-address.js';
import { RateLimiter } from './rate-limit.js';
import { reportPage } from './report-page.js';

/**
 * Public verifications per client address: a burst of 30, then one a second (every verification
 * writes to the database and a PDF takes a core for a moment; a counterparty needs a handful).
 */
export const PUBLIC_VERIFY_LIMIT = { burst: 30, perSecond: 1 };

/** Rendered PDFs kept in memory: a report's PDF never changes (only its expiry notice, part of the key). */
const PDF_CACHE_SIZE = 200;

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

  const limiter = new RateLimiter(PUBLIC_VERIFY_LIMIT);
  const pdfs = new Map<string, Uint8Array>();
  const pdfOf = async (key: string, render: () => Promise<Uint8Array>) => {
    let body = pdfs.get(key);
    if (!body) {
      body = await render();
      if (pdfs.size >= PDF_CACHE_SIZE) pdfs.delete(pdfs.keys().next().value as string);
      pdfs.set(key, body);
    }
    return body;
  };

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
    const address = clientAddress(c, deps.reports.trustProxy);
    const wait = limiter.take(address, deps.now().getTime());
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      c.header('Cache-Control', 'no-store');
      return c.json({ valid: false, reason: 'rate_limited', report: null, colorNow: null }, 429);
    }
    const who: Verifier = {
      client: `addr:${address}`,
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
      const report = out.result.report as NonNullable<typeof out.result.report>;
      const verifyUrl = `${report.verifyUrl ?? new URL(c.req.url).origin + c.req.path.replace(/\.pdf$/, '')}?code=${out.code}`;
      const expired = !out.result.valid;
      const body = await pdfOf(
        `${reportNo}\u0000${verifyUrl}\u0000${expired}`,
        async () =>
          new Uint8Array(await renderReportPdf(report, { code: out.code, verifyUrl, kid: out.kid, expired })),
      );
      return c.body(body as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `inline; filename="report-${encodeURIComponent(reportNo)}.pdf"`,
      });
    }
    return html ? c.html(reportPage(out.result, { ...page(c), code: out.code })) : c.json(out.result);
  });
}
