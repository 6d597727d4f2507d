import { defaultPolicy, type Policy } from '@fivecolor/core';
import { trpcServer } from '@hono/trpc-server';
import { sql } from 'drizzle-orm';
import { type ErrorHandler, type Handler, Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import { authenticateApiKey } from '../auth/api-keys.js';
import { onBadgeTokenIssued } from '../auth/badge-tokens.js';
import type { Principal } from '../auth/principal.js';
import { sessionKeys, verifyPartySession } from '../auth/session.js';
import { createPartyCrypto } from '../crypto/party-crypto.js';
import { checkSecret } from '../crypto/secret.js';
import { type Db, isDatabaseUnavailable } from '../db/database.js';
import { ReportKit, type ReportOptions } from '../reports/report-kit.js';
import { appRouter } from '../routers/root.js';
import type { Deps } from '../services/deps.js';
import { activePolicy } from '../services/policy-service.js';
import { startStateSweeper } from '../state/sweeper.js';
import { databaseUnavailable, type Context as TrpcContext } from '../trpc/trpc.js';
import { queueDepth, type WebhookOptions, WebhookWorker } from '../webhooks/webhook-worker.js';
import { apiCors } from './api-cors.js';
import { BadgeCache } from './badge-cache.js';
import { BadgeIndex, loadBadgeIndex } from './badge-index.js';
import {
  type BadgeCounts,
  badgeHandler,
  badgePreflight,
  newBadgeCounts,
  type Observe,
} from './badge-route.js';
import { keepRequestShapes } from './keep-shapes.js';
import { createLogger, errorFields } from './logger.js';
import { Metrics } from './metrics.js';
import { mountOpenApi } from './openapi.js';
import { listenForPartyChanges } from './party-listener.js';
import { mountPartyRoutes } from './party-routes.js';
import { type RateLimit, RateLimiter } from './rate-limit.js';
import { mountReportRoutes } from './report-routes.js';
import { DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY_BYTES, requestLimits } from './request-limits.js';
import { routeLabel } from './route-label.js';
import { RuntimeMetrics } from './runtime-metrics.js';

export interface FivecolorOptions {
  db: Db;
  secret: string;
  publicUrl?: string | undefined;
  logger?: Logger | undefined;
  /** Serve badges from the in-process cache (default true). */
  badgeCache?: boolean | undefined;
  /** Most badge responses kept (default 250,000, about 0.5 KB each); least recently used go first. */
  badgeCacheSize?: number | undefined;
  /**
   * Most badge tokens held in the in-process badge index (default 2,000,000, about 150 bytes each with
   * their party; loaded at start, kept current by the cache's invalidations); `false` or 0: no index.
   * Only with the badge cache.
   */
  badgeIndex?: number | false | undefined;
  /** How long the badge cache remembers that a token was not found (default 30,000 ms; 0: not at all). */
  badgeMissTtlMs?: number | undefined;
  /**
   * Badge requests not answered from the cache, per client address (X-Forwarded-For's last hop with
   * `reports.trustProxy`): default a burst of 100, then 10 a second; over it 429 with Retry-After. A
   * token found gives its request back, so this limits misses. `false`: no limit.
   */
  badgeMissLimit?: RateLimit | false | undefined;
  /** Most bytes of a `/trpc` request body (default 1 MiB, `FIVECOLOR_MAX_BODY`); over it 413. */
  maxBodyBytes?: number | undefined;
  /** Most procedure calls in one `/trpc` batch request (default 25, `FIVECOLOR_MAX_BATCH`); over it 400. */
  maxBatch?: number | undefined;
  /**
   * Recompute states that time has overtaken at start and after every CST midnight (default true);
   * see `startStateSweeper`.
   */
  sweepStates?: boolean | undefined;
  /** The classification policy (default: the active policy stored by `policy apply`, else core's `defaultPolicy`). */
  policy?: Policy | null | undefined;
  /** The clock; tests move it to check time-driven color changes. */
  now?: (() => Date) | undefined;
  /** Report signing key, court code, validity and wrong-code limits. */
  reports?: ReportOptions | undefined;
  /**
   * Where the deployment serves the elements bundle (e.g. `/assets/fivecolor-elements.js`): the report
   * verification page then renders with `<fivecolor-report>`, as partner pages do.
   */
  elementsScript?: string | undefined;
  /**
   * Webhook delivery: the worker runs in this process unless `false` or `{ deliver: false }` (other
   * processes on the same PostgreSQL share its queue); timing and the private-target switch
   * (`FIVECOLOR_WEBHOOK_ALLOW_PRIVATE`). See `WebhookOptions`.
   */
  webhooks?: WebhookOptions | false | undefined;
  /**
   * Browser origins allowed to call `/trpc/*` and `/v1/parties/*` cross-origin with `Authorization`
   * (exact match; default none; `FIVECOLOR_ALLOWED_ORIGINS`); see `apiCors`.
   */
  allowedOrigins?: readonly string[] | undefined;
}

/**
 * The reference API as a Hono app: `/trpc/*`, `GET /v1/badge/:token`, `/healthz`, `/metrics`.
 * `/trpc` refuses bodies over `maxBodyBytes` (413) and batches over `maxBatch` calls (400) before any
 * procedure runs.
 *
 * @example
 * const db = await openDatabase({ dataDir: './.fivecolor' });
 * await migrate(db);
 * const { app, close } = await createFivecolor({ db, secret: await resolveSecret({ dataDir: './.fivecolor' }) });
 * serve({ fetch: app.fetch, port: 8787 });
 */
export async function createFivecolor(opts: FivecolorOptions) {
  await keepRequestShapes();
  await checkSecret(opts.db, opts.secret);
  const logger = opts.logger ?? createLogger();
  const cache =
    opts.badgeCache === false
      ? null
      : new BadgeCache(opts.badgeCacheSize, { missTtlMs: opts.badgeMissTtlMs });
  // A token minted here may have been asked for before (a miss remembered): forget that miss.
  const unsubscribe = cache ? onBadgeTokenIssued((token) => cache.forgetMiss(token)) : undefined;
  const misses =
    opts.badgeMissLimit === false ? null : new RateLimiter(opts.badgeMissLimit ?? DEFAULT_MISS_LIMIT);
  // LISTEN first: `policy apply` counts these connections after storing its policy, so a server it does
  // not count reads the new policy below.
  let listener: Awaited<ReturnType<typeof listenOnPostgres>> = null;
  let deps: Deps;
  try {
    listener = await listenOnPostgres(opts.db, cache, logger);
    // The policy given, else the one `fivecolor-server policy apply` stored, else core's default.
    deps = createDeps({ ...opts, policy: opts.policy ?? (await activePolicy(opts.db)) }, logger, cache);
  } catch (err) {
    unsubscribe?.();
    await listener?.close(); // a connection left open would count as a running server
    throw err;
  }
  // After LISTEN is up: from then on no change to a party can go unnoticed by the index.
  const index = startBadgeIndex(deps, cache, opts.badgeIndex, logger);
  await index?.firstPage;
  const sweeper = opts.sweepStates === false ? null : startStateSweeper(deps, logger);
  const metrics = new Metrics();
  const runtime = new RuntimeMetrics();
  const webhooks = startWebhooks(deps, opts.webhooks, metrics);
  const observe = observer(metrics, logger);
  const badgeCounts = newBadgeCounts();
  const onError = errorHandler(logger);

  const app = new Hono();
  useObservability(app, observe, onError);
  mountHealth(app, deps);
  app.options('/v1/badge/:token', badgePreflight);
  mountMetrics(app, metrics, runtime, cache, misses, badgeCounts, deps);
  mountReportRoutes(app, deps, { elementsScript: opts.elementsScript });
  mountOpenApi(app, { publicUrl: opts.publicUrl });
  const corsApi = apiCors({ allowedOrigins: opts.allowedOrigins });
  app.use('/trpc/*', corsApi);
  app.use('/v1/parties/*', corsApi);
  mountPartyRoutes(app, deps, (header) => authenticate(deps, header));
  app.use(
    '/trpc/*',
    ...requestLimits({
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      maxBatch: opts.maxBatch ?? DEFAULT_MAX_BATCH,
    }),
  );
  app.use('/trpc/*', trpcMiddleware(deps));
  putBadgeRouteInFront(app, badgeHandler(deps, cache, observe, misses, badgeCounts), onError);

  return {
    app,
    deps,
    /** The state sweeper (null when `sweepStates: false`). */
    sweeper,
    /** The webhook delivery worker (null when it does not run in this process). */
    webhooks,
    async close() {
      runtime.stop();
      await webhooks?.stop();
      unsubscribe?.();
      await sweeper?.stop();
      await listener?.close();
      await index?.stop();
      cache?.clear();
    },
  };
}

const DEFAULT_MISS_LIMIT: RateLimit = { burst: 100, perSecond: 10 };

function createDeps(opts: FivecolorOptions, logger: Logger, cache: BadgeCache | null): Deps {
  return {
    db: opts.db,
    secret: opts.secret,
    crypto: createPartyCrypto(opts.secret),
    policy: opts.policy ?? defaultPolicy,
    logger,
    publicUrl: opts.publicUrl,
    cache,
    session: sessionKeys(opts.secret),
    now: opts.now ?? (() => new Date()),
    reports: new ReportKit(opts.secret, opts.reports),
  };
}

/**
 * The badge index of `cache` (none without a cache or with `max` false/0): loaded in the background, and
 * again whenever the cache resumes (invalidations may have been missed while it was suspended) and on
 * the first badge asked for after each CST midnight.
 * `firstPage` resolves once it is loaded or turns out to take more than one read of a table (a small
 * database is loaded before the app serves).
 */
function startBadgeIndex(
  deps: Deps,
  cache: BadgeCache | null,
  max: number | false | undefined,
  logger: Logger,
) {
  if (!cache || max === false || max === 0) return null;
  const index = new BadgeIndex(max);
  cache.index = index;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let pageIn: () => void = () => {};
  const firstPage = new Promise<void>((r) => {
    pageIn = r;
  });
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = loadBadgeIndex(deps, index, { stopped: () => stopped, onLongLoad: pageIn })
      .then(
        () => {},
        (err: Error) => logger.error({ err: { message: err.message } }, 'badge index load failed'),
      )
      .finally(() => {
        pageIn();
        running = null;
        if (again && !stopped) {
          again = false;
          run();
        }
      });
  };
  cache.onResume = run;
  // What the index read is trusted until the next CST midnight (like a cached response): reload then.
  index.onNewDay = run;
  run();
  return {
    firstPage,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/**
 * On PostgreSQL, other server processes may change parties this one has cached: listen for them (resolves
 * once LISTEN is up). Without a cache the connection is held all the same: it is how `policy apply` tells
 * that a server is running on the database, so a server that cannot open it does not start (it would run
 * unseen). Null on the embedded database.
 */
async function listenOnPostgres(db: Db, cache: BadgeCache | null, logger: Logger) {
  if (db.kind !== 'postgres' || !db.databaseUrl) return null;
  const listener = listenForPartyChanges(db.databaseUrl, cache ?? NO_CACHE, logger);
  try {
    await listener.ready;
  } catch (err) {
    await listener.close();
    throw new Error(
      `the party listener's connection to the database failed (${(err as Error).message}); every server holds one (LISTEN for other servers' writes; policy apply counts them), so this one does not start`,
    );
  }
  return listener;
}

/** What the listener invalidates when the server keeps no cache: nothing. */
const NO_CACHE = { invalidateParty() {}, suspend() {}, resume() {} };

/** The principal of an `Authorization` header: a party session token (a JWT) or an API key (`fck_…`). */
async function authenticate(deps: Deps, header: string | undefined): Promise<Principal | null> {
  const m = header?.match(/^Bearer\s+(\S+)$/i);
  if (!m?.[1]) return null;
  const token = m[1];
  if (token.split('.').length === 3) return verifyPartySession(deps.session, token, deps.now());
  if (!token.startsWith('fck_') || token.length > 100) return null;
  return authenticateApiKey(deps.db, deps.secret, token);
}

/** Metrics and the access log line of one request (the badge route calls it itself, see below). */
function observer(metrics: Metrics, logger: Logger): Observe {
  return (method, route, status, start, reqId) => {
    const seconds = (performance.now() - start) / 1000;
    metrics.observe(method, route, status, seconds);
    logger.info({ reqId, method, route, status, ms: Math.round(seconds * 1000) }, 'request');
  };
}

function errorHandler(logger: Logger): ErrorHandler {
  return (err, c) => {
    const reqId = c.get('requestId');
    logger.error({ reqId, err: errorFields(err) }, 'unhandled error');
    return c.json({ error: 'internal server error', requestId: reqId }, 500);
  };
}

/** Request ids, metrics and an access log line for every request; JSON for errors and unknown routes. */
function useObservability(app: Hono, observe: Observe, onError: ErrorHandler): void {
  app.use('*', requestId());
  app.use('*', async function observeRequest(c, next) {
    const start = performance.now();
    await next();
    observe(c.req.method, routeLabel(c), c.res.status, start, c.get('requestId'));
  });
  app.onError(onError);
  app.notFound((c) => c.json({ error: 'not found' }, 404));
}

function mountHealth(app: Hono, deps: Deps): void {
  app.get('/healthz', async (c) => {
    try {
      await deps.db.db.execute(sql`select 1`);
      return c.json({ ok: true, db: deps.db.kind });
    } catch {
      return c.json({ ok: false, db: deps.db.kind }, 503);
    }
  });
}

/** The webhook worker of this process (null when disabled), and what procedures need of it in `deps`. */
function startWebhooks(deps: Deps, opts: WebhookOptions | false | undefined, metrics: Metrics) {
  const worker =
    opts === false || opts?.deliver === false
      ? null
      : new WebhookWorker(deps, opts, { delivery: (o, s) => metrics.webhookDelivery(o, s) }).start();
  const allowPrivate = worker?.options.allowPrivate ?? (opts ? opts.allowPrivate : undefined);
  deps.webhooks = {
    allowPrivate: allowPrivate ?? process.env.FIVECOLOR_WEBHOOK_ALLOW_PRIVATE === 'true',
    kick: () => worker?.kick(),
  };
  return worker;
}

function mountMetrics(
  app: Hono,
  metrics: Metrics,
  runtime: RuntimeMetrics,
  cache: BadgeCache | null,
  misses: RateLimiter | null,
  badgeCounts: BadgeCounts,
  deps: Deps,
): void {
  app.get('/metrics', async (c) =>
    c.text(
      metrics.render({
        fivecolor_webhook_queue_depth: await queueDepth(deps).catch(() => -1),
        fivecolor_badge_cache_entries: cache?.size ?? 0,
        fivecolor_badge_cache_body_bytes: cache?.bytes ?? 0,
        fivecolor_badge_index_tokens: cache?.index?.size ?? 0,
        fivecolor_badge_index_loaded: cache?.index?.loaded ? 1 : 0,
        fivecolor_badge_cache_hits_total: cache?.hits ?? 0,
        fivecolor_badge_cache_misses_total: cache?.misses ?? 0,
        fivecolor_badge_index_answers_total: badgeCounts.indexAnswers,
        fivecolor_badge_database_lookups_total: badgeCounts.databaseLookups,
        fivecolor_badge_missed_tokens_remembered: cache?.missedSize ?? 0,
        fivecolor_badge_rate_limited_total: misses?.refused ?? 0,
      }) + runtime.render(),
      200,
      {
        'Content-Type': 'text/plain; version=0.0.4',
      },
    ),
  );
}

function trpcMiddleware(deps: Deps) {
  return trpcServer({
    router: appRouter,
    endpoint: '/trpc',
    createContext: async (_opts, c): Promise<TrpcContext & Record<string, unknown>> => ({
      deps,
      principal: await authenticate(deps, c.req.header('Authorization')).catch((err: unknown) => {
        throw isDatabaseUnavailable(err) ? databaseUnavailable(err) : err;
      }),
      requestId: c.get('requestId') as string,
      credentialSent: /^Bearer\s+\S/i.test(c.req.header('Authorization') ?? ''),
    }),
    onError({ error, path, ctx }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        // No message: a database's may quote the input.
        deps.logger.error(
          { reqId: ctx?.requestId, path, err: errorFields(error.cause ?? error, { message: false }) },
          'procedure failed',
        );
      }
    },
  });
}

/**
 * The public badge route is the hot path. Hono answers a route that has exactly one handler without a
 * promise, and @hono/node-server then writes the response in the same turn; behind the '*' middlewares
 * of `app`, every request would go through their composition, microtasks and the adapter's async path.
 * So a one-route app in front answers it and hands everything else to `app`. The route records its own
 * metrics, log line and request id.
 */
function putBadgeRouteInFront(app: Hono, badge: Handler, onError: ErrorHandler): void {
  const front = new Hono();
  front.get('/v1/badge/:token', badge);
  front.onError(onError);
  const dispatch = app.fetch;
  front.notFound((c) => dispatch(c.req.raw, c.env));
  app.fetch = front.fetch;
}
