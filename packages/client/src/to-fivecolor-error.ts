import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from './app-router.gen.js';
import { codeOfStatus, FivecolorError } from './fivecolor-error.js';
import { HttpStatusError, NetworkError } from './http-fetch.js';

const asError = (v: unknown) => (v instanceof Error ? v : undefined);

/**
 * Any failure of a call as a {@link FivecolorError}. `signal` is the call's own signal (the caller's
 * signal joined with the deadline): when it aborted, that is the reason, whatever the fetch threw.
 */
export function toFivecolorError(err: unknown, path: string | null, signal?: AbortSignal): FivecolorError {
  if (err instanceof FivecolorError) return err;
  const where = path ? `${path}: ` : '';
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new FivecolorError(`${where}${reason.message}`, {
        code: 'TIMEOUT',
        httpStatus: 0,
        path,
        cause: reason,
      });
    }
    return new FivecolorError(`${where}aborted by the caller`, {
      code: 'CLIENT_CLOSED_REQUEST',
      httpStatus: 0,
      path,
      cause: asError(reason),
    });
  }
  const e: TRPCClientError<AppRouter> =
    err instanceof TRPCClientError ? err : TRPCClientError.from(asError(err) ?? new Error(String(err)));
  if (e.shape && e.data) {
    return new FivecolorError(e.shape.message, {
      code: e.data.code,
      httpStatus: e.data.httpStatus,
      path: e.data.path ?? path,
      result: { error: e.shape },
      meta: e.meta,
      cause: e.cause,
    });
  }
  const cause = e.cause;
  if (cause instanceof NetworkError) {
    return new FivecolorError(`${where}${cause.message}`, {
      code: 'NETWORK_ERROR',
      httpStatus: 0,
      path,
      cause,
    });
  }
  if (cause instanceof HttpStatusError) {
    return new FivecolorError(`${where}${cause.message}`, {
      code: codeOfStatus(cause.status),
      httpStatus: cause.status,
      path,
      cause,
    });
  }
  const status = (e.meta?.response as Response | undefined)?.status ?? 0;
  return new FivecolorError(`${where}unexpected response${status ? ` (HTTP ${status})` : ''}: ${e.message}`, {
    code: status ? codeOfStatus(status) : 'INTERNAL_SERVER_ERROR',
    httpStatus: status,
    path,
    cause: e,
    meta: e.meta,
  });
}
