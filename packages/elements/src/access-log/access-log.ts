import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing, type PropertyValues } from 'lit';
import type { AccessKind, PortalStrings } from '../locales/portal-strings.js';
import { baseStyles, colorStyles } from '../shared/colors.js';
import { apiUrl } from '../shared/fetch-json.js';
import { formatWhen } from '../shared/format.js';
import { portalStyles } from '../shared/portal.styles.js';
import { PortalElement, type Said } from '../shared/portal-element.js';
import { accessLogStyles } from './access-log.styles.js';

type Entry = RouterOutputs['audit']['list']['items'][number];

const COURT_ROLES = new Set(['admin', 'clerk', 'judge', 'enforcement']);
const VERIFICATIONS = new Set(['report.verify', 'report.pdf']);
const PAGE = 50;
const KINDS: (AccessKind | 'all')[] = ['all', 'court', 'bank', 'verification', 'self', 'other'];

/**
 * Who looked: the kind of reader of one audit entry (court staff, a bank, a verification of one of
 * the party's reports, the party itself, or another system).
 *
 * @example
 * accessKind({ actorRole: 'public', action: 'report.verify' }); // 'verification'
 */
export const accessKind = (e: { actorRole: string | null; action: string }): AccessKind =>
  VERIFICATIONS.has(e.action) || e.actorRole === 'public'
    ? 'verification'
    : e.actorRole === 'bank'
      ? 'bank'
      : COURT_ROLES.has(e.actorRole ?? '')
        ? 'court'
        : e.actorRole === 'party'
          ? 'self'
          : 'other';

/** Offers `blob` as a download named `name`. */
const download = (blob: Blob, name: string): void => {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
};

/**
 * "Who looked at my data" for the signed-in litigant: every read of and change to the party's data
 * (`audit.list` for the party: the reader's role and organization, the purpose, when), newest first,
 * paged, filtered by kind on the server (court, bank, verification of a report, the party itself, other); and the
 * full data export as JSON (`party.export`) or PDF (`GET {api}/v1/parties/{partyId}/export.pdf`).
 *
 * Takes `api` and the party session as the `.session` property (never an attribute); a refused
 * session is said in words and announced with `fivecolor-session-expired`.
 *
 * @summary The party's access log and data export.
 * @tag fivecolor-access-log
 *
 * @csspart base - The card (`<section>`).
 * @csspart filter - The kind filter (`<select>`).
 * @csspart log - The table of entries.
 * @csspart button - Every button.
 * @csspart notice - A confirmation or failure (`role="status"`).
 * @csspart session - The notice that the session is missing or refused.
 *
 * @cssproperty --fivecolor-button - Button background (default #0b57d0).
 * @cssproperty --fivecolor-on-button - Button text (default #ffffff).
 * @cssproperty --fivecolor-border - Borders (default #c4c4c4).
 *
 * @event fivecolor-exported - The export was downloaded; `detail: { format: 'json' | 'pdf' }`.
 * @event fivecolor-session-expired - The session was refused; get a new one and set `.session`.
 *
 * @example
 * ```html
 * <fivecolor-access-log id="log" api="https://court.example"></fivecolor-access-log>
 * <script type="module">document.querySelector('#log').session = sessionToken;</script>
 * ```
 */
export class FivecolorAccessLog extends PortalElement {
  static override styles = [baseStyles, colorStyles, portalStyles, accessLogStyles];

  static override properties = {
    ...PortalElement.properties,
    kind: { reflect: true },
    _entries: { state: true, attribute: false },
    _next: { state: true, attribute: false },
    _loading: { state: true, attribute: false },
    _exporting: { state: true, attribute: false },
    _notice: { state: true, attribute: false },
  };

  /** The kind shown: `all` (default), `court`, `bank`, `verification`, `self` or `other`. */
  declare kind: AccessKind | 'all';
  declare private _entries: Entry[] | undefined;
  declare private _next: number | null;
  declare private _loading: boolean;
  declare private _exporting: 'json' | 'pdf' | undefined;
  declare private _notice: { say: Said; ok: boolean } | undefined;

  #loads = 0;
  /** Every entry loaded for this party, whatever the kind: what a new kind shows while its pages load. */
  #seen = new Map<number, Entry>();

  constructor() {
    super();
    this.kind = 'all';
    this._next = null;
    this._loading = false;
  }

  protected override clear(): void {
    this.#loads++;
    this.#seen.clear();
    this._entries = undefined;
    this._next = null;
    this._notice = undefined;
  }

  protected override reload(): void {
    this._entries = undefined;
    this._next = null;
    void this.#more(true);
  }

  /** Fetches the next page of the kind shown, or (`fresh`) its first page in place of what is shown. */
  async #more(fresh = false): Promise<void> {
    const load = fresh ? ++this.#loads : this.#loads;
    const before = fresh ? null : this._next;
    const kind = this.kind;
    this._loading = true;
    const out = await this.call((c) =>
      c.audit.list.query({
        limit: PAGE,
        ...(before !== null ? { before } : {}),
        ...(kind !== 'all' ? { kind } : {}),
      }),
    );
    if (load !== this.#loads) return;
    this._loading = false;
    if (!out.ok) {
      // A first page that failed is said where the entries go, with a button to try again.
      if (out.reason === 'session') return;
      if (this._entries === undefined) this._loadFailure = this.failure(out);
      else this._notice = { say: this.failure(out), ok: false };
      return;
    }
    this._entries = fresh ? out.value.items : [...(this._entries ?? []), ...out.value.items];
    for (const e of out.value.items) this.#seen.set(e.seq, e);
    this._next = out.value.nextBefore;
  }

  protected override render() {
    const t = this.t;
    return html`<section part="base" class="card" lang=${t.lang} aria-labelledby="access-title">
      <h2 id="access-title">${t.accessTitle}</h2>
      ${this.sessionNotice()}${this._refused || !this.session ? nothing : this.#content(t)}
    </section>`;
  }

  #content(t: PortalStrings) {
    const shown = this._entries ?? [];
    return html`<p class="about">${t.accessAbout}</p>
      <div class="toolbar">
        <div class="field">
          <label for="kind">${t.kind}</label>
          <select part="filter" id="kind" @change=${(e: Event) => this.#filter((e.target as HTMLSelectElement).value)}>
            ${KINDS.map((k) => html`<option value=${k} ?selected=${this.kind === k}>${t.kinds[k]}</option>`)}
          </select>
        </div>
        <div class="actions">
          <button part="button" type="button" class="secondary" ?disabled=${this._exporting !== undefined}
            @click=${() => this.#exportJson()}>${this._exporting === 'json' ? t.exporting : t.exportJson}</button>
          <button part="button" type="button" class="secondary" ?disabled=${this._exporting !== undefined}
            @click=${() => this.#exportPdf()}>${this._exporting === 'pdf' ? t.exporting : t.exportPdf}</button>
        </div>
      </div>
      <div part="notice" class=${`notice ${this._notice?.ok ? 'ok' : 'bad'}`} role="status">${this._notice?.say(t) ?? ''}</div>
      ${
        this._entries === undefined
          ? this.pending()
          : shown.length === 0
            ? html`<p>${t.noAccess}</p>`
            : this.#table(t, shown)
      }
      <div class="actions more">
        <span class="about" role="status">${this._entries ? t.shown(shown.length) : ''}</span>
        ${
          this._next !== null
            ? html`<button part="button" type="button" class="secondary" ?disabled=${this._loading}
                @click=${() => this.#more()}>${this._loading ? t.loading : t.more}</button>`
            : nothing
        }
      </div>`;
  }

  #table(t: PortalStrings, entries: Entry[]) {
    return html`<div class="scroll"><table part="log">
      <thead>
        <tr><th scope="col">${t.when}</th><th scope="col">${t.who}</th><th scope="col">${t.what}</th><th scope="col">${t.purpose}</th></tr>
      </thead>
      <tbody>
        ${entries.map(
          (e) => html`<tr data-kind=${accessKind(e)}>
            <td class="mono">${formatWhen(e.at)}</td>
            <td>${(e.actorRole && t.roles[e.actorRole]) || e.actorRole || ''}${e.actorOrg ? html`<br /><span class="org">${e.actorOrg}</span>` : nothing}</td>
            <td>${t.actions[e.action] ?? e.action}</td>
            <td>${e.purpose ?? ''}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>`;
  }

  #filter(kind: string): void {
    this.kind = (KINDS as string[]).includes(kind) ? (kind as AccessKind | 'all') : 'all';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // A new kind (chosen, or set as the attribute) lists that kind from the newest entry on: at once
    // those of the entries loaded, then the API's pages of that kind.
    const other = changed.has('api') || changed.has('session');
    if (changed.get('kind') !== undefined && !other && this.client && !this._refused) {
      const kept = [...this.#seen.values()]
        .filter((e) => this.kind === 'all' || accessKind(e) === this.kind)
        .sort((a, b) => b.seq - a.seq);
      this._entries = kept.length > 0 ? kept : undefined;
      this._next = null;
      void this.#more(true);
    }
  }

  async #exportJson(): Promise<void> {
    this._exporting = 'json';
    this._notice = undefined;
    const out = await this.call((c, partyId) => c.party.export.query({ partyId }));
    this._exporting = undefined;
    if (!out.ok) {
      if (out.reason !== 'session') this._notice = { say: this.failure(out), ok: false };
      return;
    }
    const partyId = this.partyId ?? 'party';
    download(
      new Blob([JSON.stringify(out.value, null, 2)], { type: 'application/json' }),
      `fivecolor-export-${partyId}.json`,
    );
    this.#exported('json');
  }

  async #exportPdf(): Promise<void> {
    const partyId = this.partyId;
    if (!this.api || !this.session || !partyId) return this.refuseSession();
    this._exporting = 'pdf';
    this._notice = undefined;
    let res: Response | undefined;
    try {
      res = await fetch(apiUrl(this.api, `/v1/parties/${encodeURIComponent(partyId)}/export.pdf`), {
        headers: { Authorization: `Bearer ${this.session}` },
        credentials: 'omit',
      });
    } catch {
      res = undefined;
    }
    this._exporting = undefined;
    if (res?.status === 401 || res?.status === 403) return this.refuseSession();
    if (!res?.ok || !(res.headers.get('content-type') ?? '').includes('pdf')) {
      const status = res?.status;
      this._notice = {
        say: (t) => (status ? t.serverError(`HTTP ${status}`) : t.networkError),
        ok: false,
      };
      return;
    }
    download(await res.blob(), `fivecolor-export-${partyId}.pdf`);
    this.#exported('pdf');
  }

  #exported(format: 'json' | 'pdf'): void {
    this._notice = { say: (t) => t.exported, ok: true };
    this.dispatchEvent(
      new CustomEvent('fivecolor-exported', { bubbles: true, composed: true, detail: { format } }),
    );
    // The export is itself a read of the party's data: show it.
    this.reload();
  }
}
