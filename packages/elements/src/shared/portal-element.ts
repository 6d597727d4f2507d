import { createClient, type FivecolorClient } from '@fivecolor/client';
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { type PortalStrings, portalStrings } from '../locales/portal-strings.js';

/** The outcome of one API call: its value, or why there is none (`session`: refused, already said). */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'session' | 'network' | 'server' | 'input'; field: string | null; message: string };

interface ErrorLike {
  code?: string;
  field?: string | null;
  message?: string;
}

/** The party id a session token names (`sub` of its JWT payload); not verified here, the API does that. */
export const sessionParty = (token: string | undefined): string | undefined => {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' && sub !== '' ? sub : undefined;
  } catch {
    return undefined;
  }
};

/** A fresh idempotency key for one user action (kept while the same action is retried). */
export const newKey = (): string => {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return `el-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
};

/**
 * What the litigant self-service elements share: the `api` base URL, the party session as the
 * `.session` property (never an attribute), a `@fivecolor/client` for them, and the session-refused
 * state: on UNAUTHORIZED or FORBIDDEN the element says so in words and emits
 * `fivecolor-session-expired` (bubbles, composed) once per session; setting a new `.session` reloads.
 */
/** Something to say, in the language of the moment when it is shown: a `lang` change says it anew. */
export type Said = (t: PortalStrings) => string;

export abstract class PortalElement extends LitElement {
  static override properties = {
    api: {},
    lang: {},
    session: { attribute: false },
    _refused: { state: true, attribute: false },
    _loadFailure: { state: true, attribute: false },
  };

  /** The court API's base URL (`https://court.example`); the client calls `{api}/trpc`. */
  declare api: string | undefined;
  /** `zh-CN` (default) or `en`. */
  declare lang: string;
  /** The party session token the portal obtained (`party.issueSession`); a property only. */
  declare session: string | undefined;
  declare protected _refused: boolean;
  /** Why the last load failed (network, server): shown with a button to try again, instead of "loading". */
  declare protected _loadFailure: Said | undefined;

  #client: FivecolorClient | undefined;

  constructor() {
    super();
    this.lang = '';
    this._refused = false;
  }

  /** The client for the current `api` and `session`; undefined without both. */
  protected get client(): FivecolorClient | undefined {
    return this.#client;
  }

  /** The party the session names. */
  protected get partyId(): string | undefined {
    return sessionParty(this.session);
  }

  protected get t(): PortalStrings {
    return portalStrings(this.lang);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && this.#client) this.reload();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || changed.has('session')) {
      // Another party (or none): forget what the previous one was shown before anything renders.
      if (sessionParty(changed.get('session') as string | undefined) !== this.partyId) this.clear();
      this.#client =
        this.api && this.session
          ? createClient({ url: this.api, apiKey: this.session, retry: { retries: 2 } })
          : undefined;
      this._refused = false;
      this._loadFailure = undefined;
      if (this.#client) this.reload();
    }
  }

  /** Loads what the element shows (called when `api` or `session` changes, and on reconnect). */
  protected abstract reload(): void;

  /** Forgets everything shown for the previous party (the session now names another one, or none). */
  protected abstract clear(): void;

  /** Runs an API call; a refused session is shown and announced here, other failures are returned. */
  protected async call<T>(
    run: (client: FivecolorClient, partyId: string) => Promise<T>,
  ): Promise<Outcome<T>> {
    const client = this.#client;
    const partyId = this.partyId;
    const api = this.api;
    if (!client || !partyId) {
      if (this.session) this.refuseSession();
      return { ok: false, reason: 'session', field: null, message: '' };
    }
    // Another party (or none, or another court) meanwhile: the answer is the previous one's, never shown.
    // A session merely renewed for the same party keeps it: the answer is still that party's.
    const gone = () => !this.#client || this.partyId !== partyId || this.api !== api;
    try {
      const value = await run(client, partyId);
      if (gone()) return { ok: false, reason: 'session', field: null, message: '' };
      return { ok: true, value };
    } catch (err) {
      if (gone()) return { ok: false, reason: 'session', field: null, message: '' };
      const e = err as ErrorLike;
      if (e.code === 'UNAUTHORIZED' || e.code === 'FORBIDDEN') {
        // Refused the old session, renewed meanwhile: the call is made again with the new one.
        if (client !== this.#client) return this.call(run);
        this.refuseSession();
        return { ok: false, reason: 'session', field: null, message: '' };
      }
      const message = String(e.message ?? err);
      if (e.code === 'BAD_REQUEST' || e.code === 'CONFLICT' || e.code === 'NOT_FOUND')
        return { ok: false, reason: 'input', field: e.field ?? fieldOf(message), message };
      if (e.code === 'NETWORK_ERROR' || e.code === 'TIMEOUT')
        return { ok: false, reason: 'network', field: null, message };
      return { ok: false, reason: 'server', field: null, message };
    }
  }

  /**
   * Once rendered, focuses the shadow element `id` (a notice with `tabindex="-1"`, or the next control) if
   * focus fell to the page when the control that had it went; never takes it from where the user put it.
   */
  protected async keepFocus(id: string): Promise<void> {
    await this.updateComplete;
    const root = this.renderRoot as ShadowRoot;
    const now = document.activeElement;
    if (root.activeElement || (now && now !== document.body)) return;
    root.getElementById(id)?.focus();
  }

  /** Shows that the session was refused and emits `fivecolor-session-expired` (once per session). */
  protected refuseSession(): void {
    if (this._refused) return;
    this._refused = true;
    this.dispatchEvent(
      new CustomEvent('fivecolor-session-expired', {
        bubbles: true,
        composed: true,
        detail: { element: this.localName },
      }),
    );
  }

  /**
   * What stands where the content is not loaded yet: "loading", or, when the load failed, why and a button
   * that loads again (a failed first load must not look like one still under way).
   */
  protected pending(): TemplateResult {
    const t = this.t;
    const failed = this._loadFailure;
    if (!failed) return html`<p role="status" aria-busy="true">${t.loading}</p>`;
    return html`<p part="notice" class="notice bad" role="status">${failed(t)}</p>
      <button part="button" type="button" class="secondary" @click=${() => {
        this._loadFailure = undefined;
        this.reload();
      }}>${t.retry}</button>`;
  }

  /** The failure in words (a refused session is shown by `sessionNotice`). */
  protected failure(o: Outcome<unknown>): Said {
    if (o.ok || o.reason === 'session') return () => '';
    const { reason, message } = o;
    return (t) =>
      reason === 'network' ? t.networkError : reason === 'server' ? t.serverFailed : t.serverError(message);
  }

  /**
   * Instead of the content: a missing session, or a refused one (`role="alert"`, `part="session"`);
   * `nothing` when the session is fine.
   */
  protected sessionNotice(): TemplateResult | typeof nothing {
    const t = this.t;
    if (this._refused)
      return html`<p part="session" class="notice session" role="alert">${t.sessionRefused}</p>`;
    if (!this.session || !this.api)
      return html`<p part="session" class="notice session" role="status">${t.sessionMissing}</p>`;
    return nothing;
  }
}

/** The field a `field: rule` message of the API names. */
const fieldOf = (message: string): string | null => /^([A-Za-z_$][\w$.]*): /.exec(message)?.[1] ?? null;
