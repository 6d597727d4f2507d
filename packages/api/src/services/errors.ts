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

/** The shape of the ids the API issues (`newId`: a 3-letter prefix and 22 base64url characters). */
const API_ID = /^[a-z]{3}_[A-Za-z0-9_-]{22}$/;

/**
 * An id for an error message: quoted back when it has the shape of the ids the API issues; anything
 * else is not quoted (a caller may have typed an identity number into an id field).
 *
 * @example
 * notFound(`partyId: no party ${quoteId(input.partyId)}`); // 'partyId: no party with this id' for '11010519491231002X'
 */
export function quoteId(value: string): string {
  return API_ID.test(value) ? value : 'with this id';
}
