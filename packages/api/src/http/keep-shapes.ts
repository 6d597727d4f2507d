import { createHook } from 'node:async_hooks';
import { Hono } from 'hono';

/** Objects kept for the life of the process; see `keepRequestShapes`. */
const kept: { contexts: object[]; tick?: object } = { contexts: [] };

/**
 * Keeps a few of the short-lived objects every request makes — Hono's `Context` (with its request) and a
 * `process.nextTick` tick object — alive for the life of the process.
 *
 * V8 forgets an object layout (hidden class) at a full garbage collection when no object of that layout
 * is alive. No Context and no tick object outlives its request, so each full collection that falls
 * between requests (the badge index loading at start makes dozens) gives the next ones new hidden
 * classes; after a few, the code that makes them is no longer specialised for one class and calls into
 * the runtime for every field. And while V8 is still sizing a class (its first seven objects), a
 * collection that forgets the longest layout makes every later Context a dictionary. Both happened at
 * random starts of a PGlite server: its badge hit path took 84–113 µs of server CPU a request instead of
 * 50–74 µs. Contexts made here, all alive when V8 sizes them, and one tick object kept keep the layouts.
 * Idempotent; call it before the process serves its first request.
 */
export async function keepRequestShapes(): Promise<void> {
  if (kept.contexts.length > 0) return;
  const app = new Hono();
  app.get('/:token', (c) => {
    c.req.param('token');
    kept.contexts.push(c);
    return c.body(null, 204);
  });
  for (let i = 0; i < 8; i++) await app.request(`/keep-${i}`);
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') kept.tick ??= resource;
    },
  });
  hook.enable();
  process.nextTick(() => {});
  hook.disable();
}

/** What `keepRequestShapes` holds (for tests). */
export function keptShapes(): { contexts: readonly object[]; tick?: object } {
  return kept;
}
