import http from 'node:http';
import { createLogger } from '@fivecolor/api';
import { expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { freshEnv } from './helpers.js';

it('close(): clients keeping their kept-alive connections busy do not hold the server', async () => {
  const { env } = await freshEnv('pglite');
  const config = readConfig({ ...env, PORT: '0', HOST: '127.0.0.1' });
  const server = await startServer(config, { logger: createLogger({ level: 'silent' }) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  // Each request takes a while to arrive (its body in two parts 50 ms apart), so that at close every
  // connection is in the middle of one: none is idle for close() to end.
  const get = () =>
    new Promise<string | undefined>((resolve) => {
      const req = http.request(`${server.url}/healthz`, { agent, method: 'POST' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers.connection));
      });
      req.on('error', () => resolve('refused'));
      req.write('{"a":');
      setTimeout(() => req.end('1}'), 50);
    });
  expect(await get()).toBe('keep-alive');
  let busy = true;
  // Four clients, each sending its next request as soon as the last is answered.
  const clients = Array.from({ length: 4 }, async () => {
    while (busy) await get();
  });
  await new Promise((r) => setTimeout(r, 300));
  const closed = await Promise.race([
    server.close().then(() => 'closed'),
    new Promise((r) => setTimeout(() => r('still open after 5 s'), 5_000)),
  ]);
  busy = false;
  await Promise.all(clients);
  agent.destroy();
  expect(closed).toBe('closed');
});
