import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress } from './url-guard.js';

/** The outcome of one delivery attempt: an HTTP status, or none with the reason (refused, timeout, blocked). */
export interface PostOutcome {
  status: number | null;
  error: string | null;
  ms: number;
}

/** The error of an attempt cut short because the server is shutting down (retried at once by the next worker). */
export const ABORTED = 'aborted: the server shut down';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * POSTs `body` to `url` with `headers`, within `timeoutMs`; reads and drops the response body. Unless
 * `allowPrivate`, the connection goes only to a public address (checked at connect time against DNS
 * rebinding). Never throws: a failure is an outcome without a status.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; allowPrivate: boolean; signal?: AbortSignal },
): Promise<PostOutcome> {
  const start = performance.now();
  const done = (status: number | null, error: string | null): PostOutcome => ({
    status,
    error,
    ms: Math.round(performance.now() - start),
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(done(null, 'invalid URL'));
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!opts.allowPrivate && isIP(host) && isPrivateAddress(host))
    return Promise.resolve(done(null, 'blocked: private, loopback or link-local address'));
  const mod = target.protocol === 'https:' ? https : http;
  const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    const abort = () => req.destroy(new Error(ABORTED));
    opts.signal?.addEventListener('abort', abort, { once: true });
    const finish = (outcome: PostOutcome) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', abort);
      resolve(outcome);
    };
    let req: http.ClientRequest;
    const send = () => {
      req = mod.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          ...(opts.allowPrivate ? {} : { lookup: guardedLookup }),
        },
        (res) => {
          res.resume();
          res.on('end', () => finish(done(res.statusCode ?? null, null)));
          res.on('error', () => finish(done(res.statusCode ?? null, null)));
        },
      );
      const sent = req;
      sent.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive connection the receiver closed as idle just as this request went out on it (Node's
        // documented race) is sent again on a new one, once per pooled connection: it almost surely never
        // arrived, and if it did the receiver knows it again by its webhook-id.
        if (sent.reusedSocket && err.code === 'ECONNRESET' && !opts.signal?.aborted) return send();
        finish(
          done(
            null,
            err.code === 'FIVECOLOR_WEBHOOK_PRIVATE_ADDRESS'
              ? `blocked: ${err.message}`
              : err.message === ABORTED
                ? ABORTED
                : (err.code ?? err.message).slice(0, 200),
          ),
        );
      });
      sent.end(body);
    };
    send();
  });
}
