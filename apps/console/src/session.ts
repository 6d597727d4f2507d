// Who is signed in: the API key (this tab only), the SDK client made with it, the key's identity
// (apiKey.whoami) and the court's policy. Signing out or in again drops all of it.
import { createClient, type FivecolorClient, FivecolorError, type RouterOutputs } from '@fivecolor/client';

export type Whoami = RouterOutputs['apiKey']['whoami'];
export type Policy = RouterOutputs['policy']['get'];

export interface Session {
  client: FivecolorClient;
  who: Whoami;
  policy: Policy;
}

const KEY = 'fivecolor-console-key';
let current: Session | null = null;

/** The signed-in session, or null. */
export const session = (): Session | null => current;

/** The court roles the console is for. */
export const STAFF = ['admin', 'clerk', 'judge', 'enforcement'] as const;

/** Tells the app the session changed; `reason`: why it ended, for the sign-in page to say. */
function changed(reason?: string): void {
  window.dispatchEvent(new CustomEvent('fc-session', { detail: reason }));
}

/** Signs in with `apiKey`: checks it (whoami), loads the policy, keeps the key for this tab. */
export async function signIn(apiKey: string): Promise<Session> {
  const client = createClient({ url: location.origin, apiKey, timeoutMs: 30_000 });
  const who = await client.apiKey.whoami.query();
  const policy = await client.policy.get.query();
  current = { client, who, policy };
  sessionStorage.setItem(KEY, apiKey);
  changed();
  return current;
}

/** Forgets the key and everything loaded with it; `reason` is shown on the sign-in page. */
export function signOut(reason?: string): void {
  current = null;
  sessionStorage.removeItem(KEY);
  changed(reason);
}

/** Signs in again with the key kept in this tab, if any (a reload). */
export async function resume(): Promise<void> {
  const key = sessionStorage.getItem(KEY);
  if (!key) return;
  try {
    await signIn(key);
  } catch (err) {
    if (err instanceof FivecolorError && err.code === 'UNAUTHORIZED') signOut();
    else throw err;
  }
}

/** Whether the signed-in role may call `path` (mirrors the documented role table, for the screen only). */
export function may(
  what: 'enter' | 'repair' | 'gold' | 'screen' | 'register' | 'resolve' | 'admin' | 'audit',
): boolean {
  const role = current?.who.role;
  switch (what) {
    case 'enter':
    case 'resolve':
      return role === 'judge' || role === 'enforcement';
    case 'repair':
    case 'gold':
      return role === 'enforcement';
    case 'screen':
    case 'register':
      return role === 'clerk' || role === 'judge' || role === 'enforcement';
    case 'admin':
    case 'audit':
      return role === 'admin';
  }
}
