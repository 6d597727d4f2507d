// A webhook receiver for tests and the bench: a real HTTP server on 127.0.0.1 that keeps what it got.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface TestReceiver {
  url: string;
  received: Received[];
  /** What the receiver answers (default 200). */
  status: number;
  /** When set, the status to answer this request (instead of `status`); may wait for something first. */
  answer: ((r: Received) => number | Promise<number>) | null;
  /** Every request answered, whatever the status (`received` has the 2xx ones). */
  requests: Received[];
  /** While true, requests are kept waiting, unanswered (in `held`). */
  hold: boolean;
  held: Received[];
  /** Stops listening (connections refused) until `up`. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Resolves when `n` requests have arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startTestReceiver(path = '/hook'): Promise<TestReceiver> {
  const received: Received[] = [];
  const waiters = new Set<() => boolean>();
  let server: Server;
  const r: TestReceiver = {
    url: '',
    received,
    status: 200,
    answer: null,
    requests: [],
    hold: false,
    held: [],
    async down() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    async up() {
      await listen(port);
    },
    waitFor(n, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${received.length} of ${n} requests in ${ms} ms`)),
          ms,
        );
        const check = () => {
          if (received.length >= n) {
            clearTimeout(timer);
            resolve(received.slice());
            return true;
          }
          return false;
        };
        if (!check()) waiters.add(check);
      });
    },
    close: () => r.down(),
  };
  const listen = (p: number) =>
    new Promise<number>((resolve) => {
      server = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', async () => {
          if (r.hold) {
            r.held.push({ headers: req.headers, body, at: Date.now() });
            return;
          }
          const got = { headers: req.headers, body, at: Date.now() };
          const status = r.answer ? await r.answer(got) : r.status;
          r.requests.push(got);
          if (status >= 200 && status < 300) received.push(got);
          res.writeHead(status).end();
          for (const w of [...waiters]) if (w()) waiters.delete(w);
        });
      });
      server.listen(p, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  r.url = `http://127.0.0.1:${port}${path}`;
  return r;
}
