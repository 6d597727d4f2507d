import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Redaction of anything that could carry a secret or personal data, for every log line. */
export const LOG_REDACT = [
  'req.headers.authorization',
  '*.idNumber',
  '*.name',
  '*.token',
  '*.key',
  'idNumber',
  'name',
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
