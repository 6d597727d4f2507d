/** What a refusal means to the caller; the tRPC layer and the Hono routes map it to their own status. */
export type RefusalCode = 'BAD_REQUEST' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'TOO_MANY_REQUESTS';

/**
 * A request the service refuses, with a message in the caller's terms (`field: rule`) that never quotes
 * personal data. Services throw it where no caller branches on it; `trpc.ts` turns it into a
 * `TRPCError` with the same code, so services do not depend on tRPC.
 */
export class Refusal extends Error {
  override name = 'Refusal';
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws BAD_REQUEST. */
export function badRequest(message: string): never {
  throw new Refusal('BAD_REQUEST', message);
}

/** Throws FORBIDDEN. */
export function forbidden(message: string): never {
  throw new Refusal('FORBIDDEN', message);
}

/** Throws NOT_FOUND. */
export function notFound(message: string): never {
  throw new Refusal('NOT_FOUND', message);
}

/** Throws CONFLICT. */
export function conflict(message: string): never {
  throw new Refusal('CONFLICT', message);
}
