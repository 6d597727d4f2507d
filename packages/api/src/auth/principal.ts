import type { Role } from './roles.js';

/** The authenticated caller of a request. */
export type Principal =
  | { kind: 'key'; id: string; role: Exclude<Role, 'party'>; name: string; org: string; court: string | null }
  | {
      kind: 'party';
      id: string;
      role: 'party';
      partyId: string;
      /** The id of the portal key that minted the session. */
      mintedBy: string;
      org: null;
      court: null;
    };
