import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

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
