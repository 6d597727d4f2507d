import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Principal } from '../auth/principal.js';
import { renderExportPdf } from '../reports/export-pdf.js';
import { appRouter } from '../routers/root.js';
import type { Deps } from '../services/deps.js';
import { formatIssues } from '../trpc/trpc.js';

/**
 * A party's documents over plain HTTP, for a browser to download or print: `GET
 * /v1/parties/:partyId/export.pdf` is `party.export` as a PDF. The call goes through the tRPC router
 * itself (`createCaller`), so the same role table, input rules, service and audit row apply; a refusal
 * is JSON `{ error }` with the status tRPC would give (401, 403, 404, 400).
 */
export function mountPartyRoutes(
  app: Hono,
  deps: Deps,
  authenticate: (authorization: string | undefined) => Promise<Principal | null>,
): void {
  const caller = async (c: Context) => {
    const header = c.req.header('Authorization');
    return appRouter.createCaller({
      deps,
      principal: await authenticate(header),
      requestId: c.get('requestId') as string,
      credentialSent: /^Bearer\s+\S/i.test(header ?? ''),
    });
  };

  app.get('/v1/parties/:partyId/export.pdf', async (c) => {
    c.header('Cache-Control', 'no-store');
    try {
      const data = await (await caller(c)).party.export({ partyId: c.req.param('partyId') });
      const body = await renderExportPdf(data, deps.policy);
      return c.body(new Uint8Array(body), 200, {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="export-${data.party.partyId}.pdf"`,
      });
    } catch (err) {
      if (!(err instanceof TRPCError) || err.code === 'INTERNAL_SERVER_ERROR') throw err;
      const issues = (err.cause as { issues?: Parameters<typeof formatIssues>[0] } | undefined)?.issues;
      const message =
        err.code === 'BAD_REQUEST' && Array.isArray(issues) ? formatIssues(issues) : err.message;
      return c.json(
        { error: message, code: err.code },
        getHTTPStatusCodeFromError(err) as ContentfulStatusCode,
      );
    }
  });
}
