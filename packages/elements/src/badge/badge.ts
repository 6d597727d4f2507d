import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { type Strings, strings } from '../locales/strings.js';
import { baseStyles, colorStyles, isColor } from '../shared/colors.js';
import { apiUrl, fetchJson } from '../shared/fetch-json.js';
import { cstDayStart, formatWhen, safeHttpUrl } from '../shared/format.js';
import { icon } from '../shared/icons.js';
import type { BadgeData, Color } from '../types.js';
import { badgeStyles } from './badge.styles.js';

/** What the badge shows: `stale` is a code whose `until` has passed and that is being refreshed. */
export type BadgeState = 'loading' | 'ready' | 'stale' | 'error';

/** Why a badge is unavailable (`fivecolor-error`'s `detail.reason`). */
export type BadgeErrorReason = 'not_found' | 'network' | 'server' | 'invalid';

const RETRY_MS = 60_000;
// setTimeout stores its delay in 32 bits; a longer one fires at once.
const MAX_DELAY_MS = 2_147_483_647;

const isBadgeData = (value: unknown): value is BadgeData => {
  const d = value as Partial<BadgeData> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    isColor(d.color) &&
    typeof d.name === 'string' &&
    typeof d.asOf === 'string' &&
    (d.until === null || d.until === undefined || typeof d.until === 'string')
  );
};

/**
 * The party's integrity litigation code (诚信诉讼码), shown like a digital ID card: the color, its
 * label and icon, the masked name, the "as of" time and a link to the court's verification page.
 *
 * Fetches `GET {api}/v1/badge/{token}`, or renders the `.data` property without fetching. Refreshes
 * itself when the code's `until` date begins (00:00 China Standard Time) while the page is open.
 * An unknown or revoked token, or a network failure, shows a neutral grey "unavailable", never a color.
 * `refresh()` fetches it again at once, e.g. after the party filed an objection on the same page.
 *
 * @summary A five-color code badge.
 * @tag fivecolor-badge
 *
 * @csspart base - The card; `role="status"`.
 * @csspart band - The colored panel with the icon and label.
 * @csspart header - The line above the label ("诚信诉讼码", or the stale notice).
 * @csspart icon - The color's icon (decorative).
 * @csspart label - The color in words (绿码 / Green code …).
 * @csspart body - The white part below the band.
 * @csspart name - The masked name.
 * @csspart as-of - The "as of" time.
 * @csspart objection - The notice that a record is under objection (异议审查中), when one is.
 * @csspart link - The link to the court's verification page.
 *
 * @cssproperty --fivecolor-green - Green background (default #2e7d32); also red, yellow, blue, gold.
 * @cssproperty --fivecolor-on-green - Text on green (default #ffffff); also on-red, on-yellow, on-blue, on-gold.
 * @cssproperty --fivecolor-unavailable - Neutral background when unavailable (default #e0e0e0).
 * @cssproperty --fivecolor-on-unavailable - Text when unavailable (default #424242).
 * @cssproperty --fivecolor-surface - Card background (default #ffffff).
 * @cssproperty --fivecolor-text - Text color (default #1a1a1a).
 * @cssproperty --fivecolor-text-secondary - Secondary text (default #595959).
 * @cssproperty --fivecolor-link - Link color (default #0b57d0).
 * @cssproperty --fivecolor-radius - Corner radius (default 0.75em).
 * @cssproperty --fivecolor-font-family - Font stack.
 *
 * @event fivecolor-load - A code was rendered; `detail: { color, data }`.
 * @event fivecolor-error - The code is unavailable; `detail: { reason: 'not_found' | 'network' | 'server' | 'invalid', status? }`.
 *
 * @example
 * ```html
 * <fivecolor-badge token="bt_…" api="https://court.example/api"></fivecolor-badge>
 * ```
 */
export class FivecolorBadge extends LitElement {
  static override styles = [baseStyles, colorStyles, badgeStyles];

  static override properties = {
    token: {},
    api: {},
    lang: {},
    size: { reflect: true },
    verifyLink: { attribute: 'verify-link' },
    data: { attribute: false },
    state: { reflect: true },
    color: { reflect: true },
    _current: { state: true, attribute: false },
    _hint: { state: true, attribute: false },
  };

  /** The opaque badge token issued for the party. */
  declare token: string | undefined;
  /** The API base URL, e.g. `https://court.example/api` (the route is `{api}/v1/badge/{token}`). */
  declare api: string | undefined;
  /** `zh-CN` (default) or `en`. */
  declare lang: string;
  /** `small`, `medium` (default) or `large`. */
  declare size: 'small' | 'medium' | 'large';
  /**
   * `verify-link="none"` hides the link to the court's verification page (for that page itself, which
   * would otherwise link to itself); shown by default.
   */
  declare verifyLink: 'none' | undefined;
  /** The badge route's JSON; when set, the badge renders it without fetching. */
  declare data: BadgeData | undefined;
  /** Read-only: `loading`, `ready`, `stale` or `error`. */
  declare state: BadgeState;
  /** Read-only: the color shown, absent while loading or unavailable. */
  declare color: Color | undefined;
  declare private _current: BadgeData | undefined;
  declare private _hint: boolean;

  #abort: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onVisible = (): void => {
    if (document.visibilityState === 'visible' && this._current) this.#schedule(0);
  };

  constructor() {
    super();
    this.lang = '';
    this.size = 'medium';
    this.state = 'loading';
    this._hint = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#onVisible);
    if (!this.hasUpdated) return;
    if (this._current) this.#schedule(0);
    else if (this.data === undefined) this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#onVisible);
    this.#abort?.abort();
    clearTimeout(this.#timer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('data') && this.data !== undefined) {
      // Given data, the badge fetches nothing: a fetch under way for its token must not replace it.
      this.#abort?.abort();
      clearTimeout(this.#timer);
      if (isBadgeData(this.data)) this.#show(this.data, false);
      else this.#fail('invalid');
    } else if (
      (changed.has('token') || changed.has('api') || changed.has('data')) &&
      this.data === undefined
    ) {
      this.#load();
    }
  }

  /**
   * Fetches the code again now, past the browser's cache (after something on the page that may change
   * it, e.g. the party filed an objection): the code shown stays until the answer replaces it.
   * Resolves once the answer is shown (`fivecolor-load`, or `fivecolor-error` and "unavailable");
   * rejects for a badge without `token` and `api`, or given `.data` (it fetches nothing).
   */
  refresh(): Promise<void> {
    if (this.data !== undefined || !this.token || !this.api)
      return Promise.reject(
        new Error(
          '<fivecolor-badge>.refresh() needs the token and api attributes (a badge given .data fetches nothing)',
        ),
      );
    return this.#load(true);
  }

  #load(fresh = false): Promise<void> {
    this.#abort?.abort();
    clearTimeout(this.#timer);
    const { token, api } = this;
    if (!token || !api) return Promise.resolve();
    const ctrl = new AbortController();
    this.#abort = ctrl;
    if (this._current) {
      if (!fresh) this.state = 'stale';
    } else {
      this.state = 'loading';
      this.color = undefined;
    }
    const url = apiUrl(api, `/v1/badge/${encodeURIComponent(token)}`);
    return fetchJson(url, ctrl.signal, fresh ? 'no-cache' : 'default').then(
      ({ status, body }) => {
        if (ctrl.signal.aborted) return;
        if (status === 200 && isBadgeData(body)) this.#show(body, true);
        else if (status === 404) this.#fail('not_found', status);
        else if (status >= 500 && this._current) this.#retry();
        else this.#fail(status >= 500 ? 'server' : 'invalid', status);
      },
      () => {
        if (ctrl.signal.aborted) return;
        // A refresh that cannot reach the server keeps the last code, marked stale, and retries.
        if (this._current) this.#retry();
        else this.#fail('network');
      },
    );
  }

  #show(data: BadgeData, fetched: boolean): void {
    this._current = data;
    this._hint = false;
    this.color = data.color;
    const changesAt = data.until ? cstDayStart(data.until) : Number.NaN;
    const expired = changesAt <= Date.now();
    this.state = expired ? 'stale' : 'ready';
    if (expired) this.#schedule(fetched ? RETRY_MS : 0);
    else this.#schedule(changesAt - Date.now());
    this.dispatchEvent(
      new CustomEvent('fivecolor-load', {
        bubbles: true,
        composed: true,
        detail: { color: data.color, data },
      }),
    );
  }

  #fail(reason: BadgeErrorReason, status?: number): void {
    clearTimeout(this.#timer);
    this._current = undefined;
    this._hint = true;
    this.color = undefined;
    this.state = 'error';
    this.dispatchEvent(
      new CustomEvent('fivecolor-error', {
        bubbles: true,
        composed: true,
        detail: status === undefined ? { reason } : { reason, status },
      }),
    );
  }

  #retry(): void {
    this.state = 'stale';
    this.#schedule(RETRY_MS);
  }

  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    if (Number.isNaN(delay) || !this.isConnected) return;
    this.#timer = setTimeout(() => this.#expire(), Math.min(Math.max(delay, 0), MAX_DELAY_MS));
  }

  #expire(): void {
    const until = this._current?.until;
    if (!until) return;
    const left = cstDayStart(until) - Date.now();
    if (left > 0) this.#schedule(left);
    else if (this.token && this.api) this.#load();
    else this.state = 'stale';
  }

  protected override render() {
    const t = strings(this.lang);
    const d = this._current;
    const loading = this.state === 'loading';
    return html`<div
      part="base"
      class="card"
      role="status"
      lang=${t.lang}
      data-color=${d ? d.color : 'none'}
      aria-busy=${loading ? 'true' : 'false'}
    >
      <div part="band" class="band">
        <span part="header" class="header">${this.state === 'stale' && d ? html`<span class="sr-only">${t.code}</span>${t.stale}` : t.code}</span>
        <span class="main">${this.#main(t, d, loading)}</span>
      </div>
      <div part="body" class="body">${this.#body(t, d, loading)}</div>
    </div>`;
  }

  #main(t: Strings, d: BadgeData | undefined, loading: boolean) {
    if (loading)
      return html`<span class="icon skel"></span><span part="label" class="label">${t.loading}</span>`;
    return html`${icon(d ? d.color : 'none')}<span part="label" class="label">${d ? t.colors[d.color] : t.unavailable}</span>`;
  }

  #body(t: Strings, d: BadgeData | undefined, loading: boolean) {
    if (loading) return html`<span class="row skel"></span><span class="row skel"></span>`;
    if (!d) return html`<span class="row hint">${this._hint ? t.unavailableHint : nothing}</span>`;
    const href = this.verifyLink === 'none' ? undefined : safeHttpUrl(d.verifyUrl);
    return html`<span part="name" class="row name">${d.name}</span>
      <span part="as-of" class="row as-of">${t.asOf(formatWhen(d.asOf))}</span>
      ${d.underObjection ? html`<span part="objection" class="row objection">${t.underObjection}</span>` : nothing}
      ${
        href
          ? html`<span class="row"><a part="link" href=${href} target="_blank" rel="noopener noreferrer"
              >${t.verifyLink}<span class="sr-only">${t.newWindow}</span></a
            ></span>`
          : nothing
      }`;
  }
}
