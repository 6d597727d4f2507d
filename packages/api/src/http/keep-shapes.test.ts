import { createHook } from 'node:async_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { type Context, Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { keepRequestShapes, keptShapes } from './keep-shapes.js';

// V8's own view of an object's layout. Each test file runs in a process of its own, so no Context has
// been made in this one before `keepRequestShapes`.
v8.setFlagsFromString('--allow-natives-syntax');
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('keepRequestShapes', () => {
  it('keeps Contexts made after full collections between requests fast objects of the same layout', async () => {
    await keepRequestShapes();
    let seen: Context | undefined;
    const app = new Hono();
    app.get('/v1/badge/:token', (c) => {
      c.req.param('token');
      seen = c;
      return c.body(null, 204);
    });
    // Without the kept Contexts, V8 sizes the class from layouts these collections forgot: every
    // Context after them is a dictionary.
    for (let i = 0; i < 10; i++) {
      await app.request('/v1/badge/bdg_x');
      seen = undefined;
      gc(); // nothing of the request left alive
    }
    await app.request('/v1/badge/bdg_y');
    if (!seen) throw new Error('handler not reached');
    expect(hasFastProperties(seen)).toBe(true);
    expect(haveSameMap(seen, keptShapes().contexts[0] as object)).toBe(true);
  });

  it('keeps the layout of process.nextTick’s tick objects through full collections', async () => {
    await keepRequestShapes();
    const kept = keptShapes().tick;
    if (!kept) throw new Error('no tick object kept');
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => process.nextTick(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    let fresh: object | undefined;
    const hook = createHook({
      init(_id, type, _trigger, resource) {
        if (type === 'TickObject') fresh ??= resource;
      },
    }).enable();
    process.nextTick(() => {});
    hook.disable();
    if (!fresh) throw new Error('no tick object seen');
    expect(haveSameMap(fresh, kept)).toBe(true);
  });

  it('is idempotent: a second call keeps the same objects', async () => {
    await keepRequestShapes();
    const before = [...keptShapes().contexts];
    const tick = keptShapes().tick;
    await keepRequestShapes();
    const after = keptShapes().contexts;
    expect(after).toHaveLength(8);
    expect(after.every((c, i) => c === before[i])).toBe(true);
    expect(keptShapes().tick).toBe(tick);
  });
});
