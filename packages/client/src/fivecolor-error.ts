import { TRPCClientError } from '@trpc/client';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { AppRouter } from './app-router.gen.js';

/** A tRPC error code, or `NETWORK_ERROR` when no HTTP response arrived (DNS, refused, reset, CORS). */
export type FivecolorErrorCode = TRPC_ERROR_CODE_KEY | 'NETWORK_ERROR';

/** One `field: rule` part of a server message. */
export interface FieldIssue {
  /** Dotted path of the input field (`idNumber`, `parties.0.idNumber`), or `null`. */
  field: string | null;
  message: string;
}

export interface FivecolorErrorOptions {
  code: FivecolorErrorCode;
  httpStatus: number;
  /** The procedure path (`record.create`) or route (`/v1/badge/:token`). */
  path?: string | null | undefined;
  cause?: Error | undefined;
  /** The server's tRPC error response, when there is one. */
  result?: { error: AppRouter['_def']['_config']['$types']['errorShape'] } | undefined;
  meta?: Record<string, unknown> | undefined;
}

const FIELD = /^([A-Za-z_$][\w$]*(?:\.[\w$]+)*): /;

/** Splits `idNumber: check digit should be X, got 5; name: must not be empty` into issues. */
export function parseIssues(message: string): FieldIssue[] {
  return message.split(/; (?=[A-Za-z_$][\w$.]*: )/).map((part) => {
    const m = FIELD.exec(part);
    return m ? { field: m[1] ?? null, message: part } : { field: null, message: part };
  });
}

/**
 * Every error the client throws: the server's tRPC error as the server said it, a gateway status
 * (502/503/504 after the retries), a network failure, a timeout or an abort. It is a `TRPCClientError`
 * too, so tRPC's own helpers keep working.
 *
 * - `code`: the tRPC code (`BAD_REQUEST`, `UNAUTHORIZED`, `FORBIDDEN`, `NOT_FOUND`, `CONFLICT`, …),
 *   `TIMEOUT` (the `timeoutMs` passed), `CLIENT_CLOSED_REQUEST` (the caller's signal aborted) or
 *   `NETWORK_ERROR`.
 * - `httpStatus`: the HTTP status, `0` when no response arrived.
 * - `field`: the first input field the server named (`idNumber`; also of a refusal, `partyId: no consent …`),
 *   `issues`: every `field: rule` part of a validation message.
 *
 * @example
 * try {
 *   await client.party.register.mutate({ kind: 'person', idType: 'RESIDENT_ID', idNumber: '110105194912310025', name: '章某某' });
 * } catch (err) {
 *   if (err instanceof FivecolorError && err.code === 'BAD_REQUEST') {
 *     form.showError(err.field, err.message); // 'idNumber', 'idNumber: check digit should be X, got 5'
 *   } else throw err;
 * }
 */
export class FivecolorError extends TRPCClientError<AppRouter> {
  readonly code: FivecolorErrorCode;
  readonly httpStatus: number;
  readonly field: string | null;
  readonly issues: FieldIssue[];
  readonly path: string | null;

  constructor(message: string, opts: FivecolorErrorOptions) {
    super(message, {
      ...(opts.cause ? { cause: opts.cause } : {}),
      ...(opts.result ? { result: opts.result } : {}),
      ...(opts.meta ? { meta: opts.meta } : {}),
    });
    // TRPCClientError pins its own prototype in its constructor.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'FivecolorError';
    this.code = opts.code;
    this.httpStatus = opts.httpStatus;
    this.path = opts.path ?? null;
    this.issues = opts.code === 'BAD_REQUEST' ? parseIssues(message) : [];
    // A refusal names its field too (`partyId: no consent of this party …`); a network error's text may
    // start like one (`TypeError: …`), so only the server's answers are read.
    const answered = opts.httpStatus >= 400 && opts.httpStatus < 500;
    this.field =
      this.issues.find((i) => i.field !== null)?.field ??
      (answered ? (FIELD.exec(message)?.[1] ?? null) : null);
  }

  /** Whether the same call may succeed later without a change (gateway, network, timeout). */
  get transient(): boolean {
    return (
      this.code === 'NETWORK_ERROR' ||
      this.code === 'TIMEOUT' ||
      this.httpStatus === 502 ||
      this.httpStatus === 503 ||
      this.httpStatus === 504
    );
  }
}

const CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  499: 'CLIENT_CLOSED_REQUEST',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/** The tRPC code that goes with an HTTP status. */
export function codeOfStatus(status: number): TRPC_ERROR_CODE_KEY {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
}
