import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { codedError } from '../db/database.js';

const PERSONAL_OR_SECRET = ['idNumber', 'name', 'token', 'key'];

/**
 * Redaction of anything that could carry a secret or personal data, for every log line: these fields
 * at the top level and one or two levels down, and the Authorization header.
 */
export const LOG_REDACT = [
  'req.headers.authorization',
  ...PERSONAL_OR_SECRET.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

/**
 * The one way this project makes a logger: structured JSON lines with {@link LOG_REDACT} applied, so no
 * caller (server, tests, embedding app) can forget the redaction. Writes to stdout unless given a stream.
 */
export function createLogger(
  opts: Pick<LoggerOptions, 'level'> = {},
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = { level: opts.level ?? 'info', redact: LOG_REDACT };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * What a log line says of an error, under `err`: its type, the database's error code when there is one
 * (`40P01`, also from inside a query wrapper's cause), and its message unless `message: false` (a message
 * may quote data). The type is not logged as `name`: {@link LOG_REDACT} hides every `name` (a person's).
 *
 * @example
 * logger.warn({ err: errorFields(err) }, 'webhook claim failed');
 */
export function errorFields(err: unknown, opts: { message?: boolean } = {}) {
  const e = (err ?? {}) as { name?: unknown; message?: unknown };
  const code = codedError(err)?.code;
  return {
    type: typeof e.name === 'string' ? e.name : undefined,
    ...(code ? { code } : {}),
    ...(opts.message === false ? {} : { message: typeof e.message === 'string' ? e.message : String(err) }),
  };
}
