import { initTRPC, TRPCError } from '@trpc/server';
import { isActivePortalKey } from '../auth/api-keys.js';
import type { Principal } from '../auth/principal.js';
import { isAllowed } from '../auth/roles.js';
import { isDatabaseUnavailable } from '../db/database.js';
import type { Caller } from '../services/access.js';
import type { Deps } from '../services/deps.js';
import { Refusal } from '../services/errors.js';

/** Per-request context of every procedure. */
export interface Context {
  deps: Deps;
  principal: Principal | null;
  requestId: string;
  /** Whether the request sent a bearer credential (so a null principal means it was not accepted). */
  credentialSent?: boolean;
}

interface IssueLike {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined;
}

/** `field.sub: rule` for each validation issue (the rule text never echoes the input value). */
export function formatIssues(issues: readonly IssueLike[]): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const path = (i.path ?? [])
        .map((p) => String(typeof p === 'object' && p !== null ? p.key : p))
        .join('.');
      const field = path || 'input';
      const last = field.split('.').at(-1) ?? field;
      const msg = i.message.startsWith(`${last}: `) ? i.message.slice(last.length + 2) : i.message;
      return `${field}: ${msg}`;
    })
    .join('; ');
}

/** A 503 the client may retry (the SDK does): the database cannot be reached for now. */
export const databaseUnavailable = (cause: unknown) =>
  new TRPCError({
    code: 'SERVICE_UNAVAILABLE',
    message: 'the database is unavailable for now; try again shortly',
    cause,
  });

const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    let message = error.message;
    const cause = error.cause as { issues?: IssueLike[] } | undefined;
    if (error.code === 'BAD_REQUEST' && Array.isArray(cause?.issues)) message = formatIssues(cause.issues);
    if (error.code === 'INTERNAL_SERVER_ERROR') message = 'Internal server error';
    // The JSON parser's message can quote the input, which can hold an identity number.
    if (error.code === 'PARSE_ERROR' || (error.code === 'BAD_REQUEST' && error.cause instanceof SyntaxError))
      message = 'request input is not valid JSON';
    return {
      message,
      code: shape.code,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        ...(shape.data.path ? { path: shape.data.path } : {}),
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure: an authenticated caller whose role the role table allows for this path. Anything not
 * in the table is denied. The procedure receives the caller as `ctx.caller` (its `procedure` is tRPC's
 * path, the action its audited writes record), and a service's `Refusal` leaves as a `TRPCError` of
 * the same code.
 */
export const procedure = t.procedure.use(async function authorize({ ctx, path, next }) {
  if (!ctx.principal) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: ctx.credentialSent
        ? 'Authorization: this API key or party session token is unknown, revoked or expired; ask the court for a valid one'
        : 'send Authorization: Bearer <api key or party session token>',
    });
  }
  if (ctx.principal.kind === 'party' && !(await isActivePortalKey(ctx.deps.db, ctx.principal.mintedBy))) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Authorization: the portal key that issued this party session was revoked; sign in again',
    });
  }
  if (!isAllowed(path, ctx.principal.role)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `role ${ctx.principal.role} may not call ${path}` });
  }
  const caller: Caller = {
    deps: ctx.deps,
    principal: ctx.principal,
    requestId: ctx.requestId,
    procedure: path,
  };
  const result = await next({ ctx: { caller } });
  if (!result.ok && result.error.cause instanceof Refusal) {
    const { code, message } = result.error.cause;
    throw new TRPCError({ code, message, cause: result.error.cause });
  }
  if (!result.ok && isDatabaseUnavailable(result.error.cause)) throw databaseUnavailable(result.error.cause);
  return result;
});
