import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { postWebhook } from './post.js';

const opts = { timeoutMs: 2_000, allowPrivate: true };

// A receiver closes a kept-alive connection it found idle (Node's after 5 s, nginx's after 75 s) just as
// the next delivery is sent on it: that request never reaches it. Here the second request on a
// connection is cut the same way, every time.
const seen: string[] = [];
const server = createServer((req, res) => {
  const socket = req.socket as typeof req.socket & { served?: number };
  socket.served = (socket.served ?? 0) + 1;
  if (socket.served > 1) {
    socket.destroy();
    return;
  }
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    seen.push(body);
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('sends again on a new connection when a kept-alive one was closed under the request', async () => {
  expect(await postWebhook(url, 'first', {}, opts)).toMatchObject({ status: 204, error: null });
  expect(await postWebhook(url, 'second', {}, opts)).toMatchObject({ status: 204, error: null });
  expect(seen).toEqual(['first', 'second']);
});

it('does not send again when a new connection fails (the receiver may have it)', async () => {
  const cut = createServer((req) => req.socket.destroy());
  await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
  let connections = 0;
  cut.on('connection', () => connections++);
  const at = `http://127.0.0.1:${(cut.address() as AddressInfo).port}/hook`;
  expect(await postWebhook(at, 'once', {}, opts)).toMatchObject({ status: null, error: 'ECONNRESET' });
  expect(connections).toBe(1);
  await new Promise<void>((resolve) => cut.close(() => resolve()));
});
