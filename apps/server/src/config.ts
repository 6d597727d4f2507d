import { resolve } from 'node:path';
import { COURT_CODE } from '@fivecolor/core';

/** What the server reads from its environment (contracts.md, "Configuration"). */
export interface ServerConfig {
  port: number;
  /** `postgres://…` for PostgreSQL; unset for the embedded PGlite. */
  databaseUrl: string | undefined;
  /** PGlite data and the generated secret live here. */
  dataDir: string;
  secret: string | undefined;
  /**
   * The origin partners see, used in badge `verifyUrl`s and printed links; unset (`FIVECOLOR_PUBLIC_URL`):
   * `http://localhost:<port>`, the port bound (with PORT=0, the one the OS chose).
   */
  publicUrl: string | undefined;
  logLevel: string;
  /** Badge cache: `false` when `FIVECOLOR_BADGE_CACHE=off`; its size from `FIVECOLOR_BADGE_CACHE_SIZE`. */
  badgeCache: boolean;
  badgeCacheSize: number | undefined;
  /** Badge index: `false` when `FIVECOLOR_BADGE_INDEX=off`, else the most tokens it holds (a number). */
  badgeIndex: number | false | undefined;
  /** Report signing key (Ed25519 private JWK or PKCS#8 PEM); unset: generated and kept in the database. */
  signingKey: string | undefined;
  /** The court code that starts report numbers (e.g. `浙02`). */
  court: string | undefined;
  /** Trust `X-Forwarded-For` for per-address limits (only behind a proxy you run). */
  trustProxy: boolean;
  /** Most bytes of a `/trpc` request body (`FIVECOLOR_MAX_BODY`, default 1 MiB). */
  maxBodyBytes: number | undefined;
  /** Most calls in one tRPC batch request (`FIVECOLOR_MAX_BATCH`, default 25). */
  maxBatch: number | undefined;
  /**
   * Browser origins allowed to call `/trpc` and `/v1/parties` cross-origin with `Authorization`
   * (`FIVECOLOR_ALLOWED_ORIGINS`, comma-separated, exact origins; default none).
   */
  allowedOrigins: string[];
}

/** `FIVECOLOR_ALLOWED_ORIGINS`: comma-separated origins, each exactly `http(s)://host[:port]`. */
export function readOrigins(value: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {}
    if (origin !== entry || !/^https?:\/\//.test(entry))
      throw new Error(
        `FIVECOLOR_ALLOWED_ORIGINS: each entry must be an origin such as https://portal.court.example (http or https, host, optional port; no path, no trailing slash, no *), got ${JSON.stringify(entry)}`,
      );
    if (!out.includes(entry)) out.push(entry);
  }
  return out;
}

/** `1048576`, `512k` or `2m` (KiB, MiB) → bytes; undefined when unset. */
function readBytes(name: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d+)\s*([km]?)b?$/i.exec(value.trim());
  const n = m ? Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1024 ** 2 : m[2] ? 1024 : 1) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${name}: must be a positive number of bytes (e.g. 1048576, 512k or 2m), got ${value}`);
  return n;
}

function readPositiveInt(name: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: must be a positive integer, got ${value}`);
  return n;
}

/** A variable of two values, `on` or `off`; unset: `unset`; anything else (`1`, `yes`, `TRUE`) is refused. */
function readFlag(name: string, value: string | undefined, on: string, off: string, unset: boolean): boolean {
  if (!value) return unset;
  if (value === on || value === off) return value === on;
  throw new Error(`${name}: must be ${on} or ${off}, got ${value}`);
}

/** pino's levels. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and checks the environment; a bad value names the variable and the rule. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  // Empty as unset, like every variable here (an env file's `PORT=`), not port 0 (a random one).
  const portText = env.PORT?.trim() || '8787';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535)
    throw new Error(`PORT: must be an integer 0–65535, got ${env.PORT}`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL: must start with postgres:// (leave it unset for the embedded database)');
  }
  const cacheSize = env.FIVECOLOR_BADGE_CACHE_SIZE ? Number(env.FIVECOLOR_BADGE_CACHE_SIZE) : undefined;
  if (cacheSize !== undefined && (!Number.isInteger(cacheSize) || cacheSize < 1)) {
    throw new Error(
      `FIVECOLOR_BADGE_CACHE_SIZE: must be a positive integer, got ${env.FIVECOLOR_BADGE_CACHE_SIZE}`,
    );
  }
  const indexEnv = env.FIVECOLOR_BADGE_INDEX;
  const badgeIndex = !indexEnv ? undefined : indexEnv === 'off' ? false : Number(indexEnv);
  if (badgeIndex !== undefined && badgeIndex !== false && (!Number.isInteger(badgeIndex) || badgeIndex < 1)) {
    throw new Error(
      `FIVECOLOR_BADGE_INDEX: must be off or a positive integer (most tokens), got ${indexEnv}`,
    );
  }
  const publicUrl = env.FIVECOLOR_PUBLIC_URL ? env.FIVECOLOR_PUBLIC_URL.replace(/\/+$/, '') : undefined;
  if (publicUrl !== undefined && !/^https?:\/\//.test(publicUrl))
    throw new Error('FIVECOLOR_PUBLIC_URL: must start with http:// or https://');
  // Links are made by appending paths to it (`/badge/…`): a query or fragment would end up in the middle.
  if (publicUrl !== undefined && (!URL.canParse(publicUrl) || /[?#]/.test(publicUrl)))
    throw new Error(
      'FIVECOLOR_PUBLIC_URL: must be a URL without ?query or #fragment (https://credit.court.example)',
    );
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw new Error(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  const court = env.FIVECOLOR_COURT || undefined;
  if (court !== undefined && !COURT_CODE.test(court))
    throw new Error('FIVECOLOR_COURT: must be a court code (浙02, 浙0212, 最高法): it starts report numbers');
  return {
    port,
    databaseUrl,
    // Under pnpm, relative to where pnpm was invoked (INIT_CWD): `pnpm start` at the root uses ./.fivecolor there.
    dataDir: resolve(env.INIT_CWD ?? '.', env.FIVECOLOR_DATA_DIR || '.fivecolor'),
    secret: env.FIVECOLOR_SECRET || undefined,
    publicUrl,
    logLevel,
    badgeCache: readFlag('FIVECOLOR_BADGE_CACHE', env.FIVECOLOR_BADGE_CACHE, 'on', 'off', true),
    badgeCacheSize: cacheSize,
    badgeIndex,
    signingKey: env.FIVECOLOR_SIGNING_KEY || undefined,
    court,
    trustProxy: readFlag('FIVECOLOR_TRUST_PROXY', env.FIVECOLOR_TRUST_PROXY, 'true', 'false', false),
    maxBodyBytes: readBytes('FIVECOLOR_MAX_BODY', env.FIVECOLOR_MAX_BODY),
    maxBatch: readPositiveInt('FIVECOLOR_MAX_BATCH', env.FIVECOLOR_MAX_BATCH),
    allowedOrigins: readOrigins(env.FIVECOLOR_ALLOWED_ORIGINS),
  };
}
