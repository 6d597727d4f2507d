import { createHook } from 'node:async_hooks';
import { Hono } from 'hono';

/** Objects kept for the life of the process; see `keepRequestShapes`. */
const kept: { contexts: object[]; tick?: object } = { contexts: [] };

/** V8 sizes a class's objects after its first seven (in-object slack tracking): one more than that. */
const CONTEXTS_KEPT = 8;

/**
 * Keeps a few of the short-lived objects every request makes — Hono's `Context` (with its request) and a
 * `process.nextTick` tick object — alive for the life of the process.
 *
 * V8 forgets an object layout (hidden class) at a full garbage collection when no object of that layout
 * is alive. No Context and no tick object outlives its request, so each full collection that falls
 * between requests (the badge index loading at start makes several) gives the next ones new hidden
 * classes; after a few, the code that makes them is no longer specialised for one class and calls into
 * the runtime for every field. And if such a collection falls while V8 is still sizing the Context class
 * (during its first objects), every later Context is a dictionary. The objects kept here hold the
 * layouts: the Contexts are all alive while V8 sizes the class, and the tick object stays alive after.
 * Idempotent; call it before the process serves its first request.
 *
 * The tick object is caught by an `init` hook enabled around one `process.nextTick`. In a process that
 * already has async hooks without `init`, Node then keeps its promise `init` hook installed (a small cost
 * per promise); `executionAsyncResource()` would avoid that but costs every callback of a process that
 * does not use it otherwise, as this one does not.
 */
export function keepRequestShapes(): Promise<void> {
  keeping ??= keep();
  return keeping;
}

let keeping: Promise<void> | undefined;

async function keep(): Promise<void> {
  const app = new Hono();
  app.get('/:token', (c) => {
    c.req.param('token');
    kept.contexts.push(c);
    return c.body(null, 204);
  });
  for (let i = 0; i < CONTEXTS_KEPT; i++) await app.request(`/keep-${i}`);
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
