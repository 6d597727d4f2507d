import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { type AppRouter, IDEMPOTENT_MUTATIONS } from './app-router.gen.js';
import { HttpStatusError, NetworkError } from './http-fetch.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  deadlineSignal,
  isGatewayStatus,
  type RetryOptions,
  randomKey,
} from './retry-policy.js';
import { toFivecolorError } from './to-fivecolor-error.js';

export interface ResilienceOptions {
  retry?: RetryOptions | false | undefined;
  /** Deadline of one call, retries included (ms). */
  timeoutMs?: number | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether an error is transport-level: no response, or a gateway status (the API may not have run). */
function isTransient(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return false;
  const cause: unknown = err.cause;
  if (cause instanceof NetworkError) return true;
  if (cause instanceof HttpStatusError) return isGatewayStatus(cause.status);
  const status =
    (err.data as { httpStatus?: number } | undefined)?.httpStatus ??
    (err.meta?.response as Response | undefined)?.status;
  return isGatewayStatus(status);
}

/**
 * The client's policy link, before `httpBatchLink`: adds an `idempotencyKey` to mutations that
 * accept one, retries transient failures with back-off (queries always, mutations only with an
 * idempotency key), enforces the deadline and the caller's `AbortSignal`, and turns every failure
 * into a `FivecolorError`.
 */
export function resilienceLink(opts: ResilienceOptions = {}): TRPCLink<AppRouter> {
  const retry = opts.retry === false ? { retries: 0 } : { ...DEFAULT_RETRY, ...opts.retry };
  const retries = retry.retries ?? DEFAULT_RETRY.retries;
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let input = op.input;
        if (
          op.type === 'mutation' &&
          IDEMPOTENT_MUTATIONS.has(op.path) &&
          isRecord(input) &&
          input.idempotencyKey === undefined
        ) {
          input = { ...input, idempotencyKey: randomKey() };
        }
        const retrySafe =
          op.type === 'query' || (isRecord(input) && typeof input.idempotencyKey === 'string');
        const deadline = deadlineSignal(op.signal, opts.timeoutMs);
        let sub: Unsubscribable | undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let finished = false;
        const fail = (err: unknown) => {
          if (finished) return;
          finished = true;
          cleanup();
          observer.error(toFivecolorError(err, op.path, deadline.signal) as TRPCClientError<AppRouter>);
        };
        const cleanup = () => {
          clearTimeout(timer);
          deadline.dispose();
          deadline.signal.removeEventListener('abort', onAbort);
        };
        // Aborting ends the call at once, waiting to retry or in flight: httpBatchLink aborts a fetch only
        // when every call it carries is aborted, and unsubscribing takes this one out of it.
        const onAbort = () => {
          fail(deadline.signal.reason);
          sub?.unsubscribe();
        };
        deadline.signal.addEventListener('abort', onAbort);

        const attempt = (n: number) => {
          timer = undefined;
          sub = next({ ...op, input, signal: deadline.signal }).subscribe({
            next: (envelope) => observer.next(envelope),
            complete: () => {
              if (finished) return;
              finished = true;
              cleanup();
              observer.complete();
            },
            error: (err) => {
              if (!deadline.signal.aborted && retrySafe && n < retries && isTransient(err)) {
                timer = setTimeout(() => attempt(n + 1), backoffDelay(n, retry));
                return;
              }
              fail(err);
            },
          });
        };
        if (deadline.signal.aborted) fail(deadline.signal.reason);
        else attempt(0);
        return () => {
          finished = true;
          cleanup();
          sub?.unsubscribe();
        };
      });
}
