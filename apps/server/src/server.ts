import type { Server } from 'node:http';
import {
  codedError,
  createFivecolor,
  createLogger,
  type Db,
  migrate,
  openDatabase,
  parseSigningKey,
  resolveSecret,
} from '@fivecolor/api';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.js';
import type { DemoData } from './demo.js';
import { mountDemoRoutes } from './demo-routes.js';
import { mountStaticSites } from './static-site.js';
import { type DemoReceiver, mountDemoReceiver } from './webhook-receiver.js';

/** The app with its database, before it listens. */
export interface OpenedServer {
  app: Hono;
  db: Db;
  secret: string;
  logger: Logger;
  /** `config.publicUrl`, or `http://localhost:<config.port>`. */
  publicUrl: string;
  /** Stops background work (cache listener); the database stays open. */
  close(): Promise<void>;
  /** The demo's webhook receiver (`pnpm start` only), subscribed once the server listens. */
  receiver?: DemoReceiver | undefined;
}

export interface RunningServer {
  app: Hono;
  db: Db;
  secret: string;
  url: string;
  /** The public URL the app uses (unset in the config: `http://localhost:<port>`). */
  publicUrl: string;
  logger: Logger;
  close(): Promise<void>;
}

export interface ServerOptions {
  badgeCache?: boolean;
  logger?: Logger;
  /** The demo's data (`pnpm start`): mounts its stand-in portal routes (`/demo/*`, see `mountDemoRoutes`). */
  demo?: DemoData | null | undefined;
}

/** Opens the database, applies migrations and builds the app (API + static sites), without listening. */
export async function openServer(config: ServerConfig, opts: ServerOptions = {}): Promise<OpenedServer> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  // A key it cannot read refuses the start (it would serve every report and the JWKS as a 500).
  if (config.signingKey) await parseSigningKey(config.signingKey);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(db).catch(async (err: unknown) => {
    await db.close();
    throw unreachable(config, err) ?? err;
  });
  const secret = await resolveSecret({ secret: config.secret, dataDir: config.dataDir });
  const publicUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  const fivecolor = await createFivecolor({
    db,
    secret,
    publicUrl,
    logger,
    badgeCache: opts.badgeCache ?? config.badgeCache,
    badgeCacheSize: config.badgeCacheSize,
    badgeIndex: config.badgeIndex,
    maxBodyBytes: config.maxBodyBytes,
    maxBatch: config.maxBatch,
    allowedOrigins: config.allowedOrigins,
    reports: { signingKey: config.signingKey, court: config.court, trustProxy: config.trustProxy },
    elementsScript: '/assets/fivecolor-elements.js',
    // The demo delivers webhooks to its own receiver on this machine (FIVECOLOR_WEBHOOK_ALLOW_PRIVATE).
    ...(opts.demo ? { webhooks: { allowPrivate: true } } : {}),
  });
  const receiver = opts.demo ? mountDemoReceiver(fivecolor.app, opts.demo.keys.exchange) : undefined;
  mountStaticSites(fivecolor.app);
  if (opts.demo) mountDemoRoutes(fivecolor.app, opts.demo, config.allowedOrigins);
  return { app: fivecolor.app, close: fivecolor.close, db, secret, logger, publicUrl, receiver };
}

/** PostgreSQL's and the network's codes for a database that cannot be used at all. */
const CANNOT_CONNECT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '3D000',
  '28P01',
  '28000',
]);

/** The first connection's failure, naming the variable to fix (an error of another kind: undefined). */
function unreachable(config: ServerConfig, err: unknown): Error | undefined {
  const inner = codedError(err);
  if (!config.databaseUrl || !inner || !CANNOT_CONNECT.has(inner.code)) return undefined;
  return new Error(`DATABASE_URL: cannot use the database (${inner.message})`, { cause: err });
}

/** How long requests under way at shutdown may take before their connections are closed. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts listening; resolves once the port is bound. SIGINT/SIGTERM close the server (new connections
 * refused, answers under way given {@link SHUTDOWN_GRACE_MS}) and then the database.
 */
export async function startServer(config: ServerConfig, opts: ServerOptions = {}): Promise<RunningServer> {
  const opened = await openServer(config, opts);
  const hostname = process.env.HOST ?? '0.0.0.0';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: opened.app.fetch, port: config.port, hostname }, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `PORT: ${config.port} is in use (another server on this machine?)`
            : `HOST: cannot listen on ${hostname}:${config.port} (${err.code ?? err.message})`,
        ),
      ),
    );
  }).catch(async (err: unknown) => {
    await opened.close();
    await opened.db.close();
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let closing: Promise<void> | undefined;
  // Once closing, every answer ends its connection: a client that keeps its connections busy would
  // otherwise hold the process (its next request goes to another process, or waits for the restart).
  server.prependListener('request', (_req, res) => {
    if (closing) res.setHeader('connection', 'close');
  });
  const close = () => {
    closing ??= (async () => {
      const http = server as Server;
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      // Requests still running after the grace period are cut off.
      const cut = setTimeout(() => http.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await stopped;
      clearTimeout(cut);
      await opened.close();
      await opened.db.close();
    })();
    return closing;
  };
  const onSignal = () => {
    opened.logger.info('shutting down');
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  opened.logger.info({ port, db: opened.db.kind }, 'listening');
  // A parent that forked us (tests, benchmarks) learns the port, which may have been chosen by the OS.
  await opened.receiver?.subscribe(`http://127.0.0.1:${port}`);
  process.send?.({ port });
  return {
    app: opened.app,
    db: opened.db,
    secret: opened.secret,
    logger: opened.logger,
    url: `http://127.0.0.1:${port}`,
    publicUrl: opened.publicUrl,
    close,
  };
}
