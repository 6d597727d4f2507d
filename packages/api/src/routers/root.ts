import { router } from '../trpc/trpc.js';
import { apiKeyRouter } from './api-key.js';
import { auditRouter } from './audit.js';
import { consentRouter } from './consent.js';
import { exchangeRouter } from './exchange.js';
import { objectionRouter } from './objection.js';
import { partyRouter } from './party.js';
import { policyRouter } from './policy.js';
import { recordRouter } from './record.js';
import { reportRouter } from './report.js';
import { statsRouter } from './stats.js';
import { webhookRouter } from './webhook.js';

/**
 * The tRPC router of the reference API (no transformer: plain JSON in and out).
 *
 * @example
 * import type { AppRouter } from '@fivecolor/api';
 * const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://localhost:8787/trpc' })] });
 */
export const appRouter = router({
  party: partyRouter,
  record: recordRouter,
  objection: objectionRouter,
  report: reportRouter,
  consent: consentRouter,
  apiKey: apiKeyRouter,
  audit: auditRouter,
  stats: statsRouter,
  policy: policyRouter,
  exchange: exchangeRouter,
  webhook: webhookRouter,
});

export type AppRouter = typeof appRouter;
