/** How failed calls are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 disables retrying). */
  retries?: number | undefined;
  /** First back-off delay in ms (default 200); doubles each retry, with jitter. */
  baseDelayMs?: number | undefined;
  /** Longest back-off delay in ms (default 5000). */
  maxDelayMs?: number | undefined;
}

export const DEFAULT_RETRY = { retries: 3, baseDelayMs: 200, maxDelayMs: 5000 } as const;

/** Gateway statuses: the request may not have reached the API, or the API was briefly unavailable. */
export const isGatewayStatus = (status: number | undefined) =>
  status === 502 || status === 503 || status === 504;

/** Delay before retry number `retry` (0-based): exponential, capped, with "equal jitter". */
export function backoffDelay(retry: number, opts: RetryOptions = {}): number {
  const base = opts.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = opts.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const d = Math.min(max, base * 2 ** retry);
  return d / 2 + Math.random() * (d / 2);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The caller's signal and an optional deadline, as one signal (`AbortSignal.any` is not in Node 18). */
export function deadlineSignal(
  signal: AbortSignal | null | undefined,
  timeoutMs: number | undefined,
): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onAbort = () => ac.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs !== undefined && timeoutMs > 0
      ? setTimeout(
          () => ac.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')),
          timeoutMs,
        )
      : undefined;
  return {
    signal: ac.signal,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** A random UUID v4 (`crypto.randomUUID` needs a secure context in browsers; fall back to getRandomValues). */
export function randomKey(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
