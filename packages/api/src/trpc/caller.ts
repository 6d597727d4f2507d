import type { Principal } from '../auth/principal.js';
import type { Caller } from '../services/access.js';
import type { Context } from './trpc.js';

/** The service-layer caller of an authorized procedure context. */
export function callerOf(ctx: Context & { principal: Principal }): Caller {
  return { deps: ctx.deps, principal: ctx.principal, requestId: ctx.requestId };
}
