import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing } from 'lit';
import type { PortalStrings } from '../locales/portal-strings.js';
import { baseStyles, colorStyles } from '../shared/colors.js';
import { formatWhen } from '../shared/format.js';
import { portalStyles } from '../shared/portal.styles.js';
import { newKey, PortalElement, type Said } from '../shared/portal-element.js';
import { consentsStyles } from './consents.styles.js';

type Consent = RouterOutputs['consent']['list'][number];
/** A bank the litigant may give consent to (`consent.banks`): its organization and display name. */
export type Bank = RouterOutputs['consent']['banks'][number];
type Scope = 'code' | 'report';
type FieldErrors = { grantee?: Said; scopes?: Said; until?: Said };

const SCOPES: Scope[] = ['code', 'report'];

/** Today in China Standard Time (YYYY-MM-DD), the calendar consents are dated in. */
const cstToday = (): string => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const addYears = (day: string, n: number) => `${Number(day.slice(0, 4)) + n}${day.slice(4)}`;
const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * Bank consents for the signed-in litigant: give a bank (chosen from the court's banks,
 * `consent.banks`) consent to read the code and/or issue and read reports until a date
 * (`consent.grant`), with plain words on what the bank will see; list them and revoke one
 * (`consent.list`, `consent.revoke`).
 *
 * Takes `api` and the party session as the `.session` property (never an attribute); a refused
 * session is said in words and announced with `fivecolor-session-expired`.
 *
 * @summary Grant, list and revoke bank consents.
 * @tag fivecolor-consents
 *
 * @csspart base - The card (`<section>`).
 * @csspart form - The grant form.
 * @csspart input - The bank, scope and date fields.
 * @csspart button - Every button.
 * @csspart notice - A confirmation or failure (`role="status"`).
 * @csspart consents - The table of consents.
 * @csspart session - The notice that the session is missing or refused.
 *
 * @cssproperty --fivecolor-button - Button background (default #0b57d0).
 * @cssproperty --fivecolor-on-button - Button text (default #ffffff).
 * @cssproperty --fivecolor-error - Error text and borders (default #b3261e).
 *
 * @event fivecolor-consent-granted - `detail`: the consent (`consentId`, `grantee`, `scopes`, `until`).
 * @event fivecolor-consent-revoked - `detail: { consentId, grantee }`.
 * @event fivecolor-session-expired - The session was refused; get a new one and set `.session`.
 *
 * @example
 * ```html
 * <fivecolor-consents id="consents" api="https://court.example"></fivecolor-consents>
 * <script type="module">document.querySelector('#consents').session = sessionToken;</script>
 * ```
 */
export class FivecolorConsents extends PortalElement {
  static override styles = [baseStyles, colorStyles, portalStyles, consentsStyles];

  static override properties = {
    ...PortalElement.properties,
    _banks: { state: true, attribute: false },
    _consents: { state: true, attribute: false },
    _errors: { state: true, attribute: false },
    _busy: { state: true, attribute: false },
    _revoking: { state: true, attribute: false },
    _notice: { state: true, attribute: false },
  };

  declare private _banks: Bank[] | undefined;
  declare private _consents: Consent[] | undefined;
  declare private _errors: FieldErrors;
  declare private _busy: boolean;
  declare private _revoking: string | undefined;
  declare private _notice: { say: Said; ok: boolean } | undefined;

  #key: string | undefined;
  /** The key of the revoke being tried, kept for retries of the same consent until one succeeds. */
  #revokeKey: { consentId: string; key: string } | undefined;

  constructor() {
    super();
    this._errors = {};
    this._busy = false;
  }

  protected override clear(): void {
    this._consents = undefined;
    this._errors = {};
    this._notice = undefined;
  }

  protected override async reload(): Promise<void> {
    const out = await this.call((c) => Promise.all([c.consent.banks.query(), c.consent.list.query()]));
    if (out.ok) [this._banks, this._consents] = out.value;
    else if (out.reason !== 'session') this._loadFailure = this.failure(out);
  }

  #bankName(org: string): string {
    return this._banks?.find((b) => b.org === org)?.name ?? org;
  }

  protected override render() {
    const t = this.t;
    return html`<section part="base" class="card" lang=${t.lang} aria-labelledby="consents-title">
      <h2 id="consents-title">${t.consentsTitle}</h2>
      ${this.sessionNotice()}${this._refused || !this.session ? nothing : this.#content(t)}
    </section>`;
  }

  #content(t: PortalStrings) {
    const e = this._errors;
    const today = cstToday();
    const banks = this._banks;
    return html`<p class="about">${t.consentsAbout}</p>
      <form part="form" novalidate @submit=${this.#grant} @input=${() => (this.#key = undefined)}>
        <div class="field">
          <label for="bank">${t.bank}</label>
          <select part="input" id="bank" name="bank" aria-invalid=${e.grantee ? 'true' : 'false'}
            aria-describedby="bank-error" ?disabled=${!banks?.length}>
            <option value="">${banks && !banks.length ? t.noBanks : t.chooseBank}</option>
            ${(banks ?? []).map((b) => html`<option value=${b.org}>${b.name}</option>`)}
          </select>
          <span id="bank-error" class="error">${e.grantee?.(t) ?? ''}</span>
        </div>
        <fieldset aria-describedby="scopes-error">
          <legend>${t.scopes}</legend>
          ${SCOPES.map(
            (s) => html`<label class="check"><input part="input" type="checkbox" name="scopes" value=${s}
              ?checked=${s === 'code'} aria-invalid=${e.scopes ? 'true' : 'false'} /><span>${t.scopeWords[s]}</span></label>`,
          )}
          <span id="scopes-error" class="error">${e.scopes?.(t) ?? ''}</span>
        </fieldset>
        <div class="field">
          <label for="until">${t.until}</label>
          <input part="input" id="until" name="until" type="date" min=${nextDay(today)} max=${addYears(today, 5)}
            .defaultValue=${addYears(today, 1)} aria-invalid=${e.until ? 'true' : 'false'}
            aria-describedby="until-hint until-error" />
          <span id="until-hint" class="hint">${t.untilHint}</span>
          <span id="until-error" class="error">${e.until?.(t) ?? ''}</span>
        </div>
        <div class="actions">
          <button part="button" type="submit" ?disabled=${this._busy}>${this._busy ? t.granting : t.grant}</button>
        </div>
      </form>
      <div part="notice" id="notice" class=${`notice ${this._notice?.ok ? 'ok' : 'bad'}`} role="status" tabindex="-1">${this._notice?.say(t) ?? ''}</div>
      ${this.#list(t)}`;
  }

  #list(t: PortalStrings) {
    const list = this._consents;
    if (!list) return this.pending();
    if (list.length === 0) return html`<p>${t.noConsents}</p>`;
    return html`<div class="scroll"><table part="consents">
      <thead>
        <tr>
          <th scope="col">${t.bank}</th><th scope="col">${t.scopes}</th><th scope="col">${t.until}</th>
          <th scope="col">${t.status}</th><th scope="col"><span class="sr-only">${t.revoke}</span></th>
        </tr>
      </thead>
      <tbody>
        ${list.map((c) => {
          const name = this.#bankName(c.grantee);
          const state = c.active ? 'active' : c.revokedAt ? 'revoked' : 'ended';
          return html`<tr data-consent=${c.consentId}>
            <td>${name}</td>
            <td>${c.scopes.map((s) => t.scopeWords[s as Scope]?.split(/[:：]/)[0] ?? s).join(' · ')}</td>
            <td class="mono">${c.until}</td>
            <td>${t.consentState[state]}${c.revokedAt ? html` <span class="mono">${formatWhen(c.revokedAt)}</span>` : nothing}</td>
            <td>${
              c.active
                ? html`<button part="button" type="button" class="secondary" aria-label=${t.revokeFor(name)}
                    ?disabled=${this._revoking === c.consentId} @click=${() => this.#revoke(c)}
                    >${this._revoking === c.consentId ? t.revoking : t.revoke}</button>`
                : nothing
            }</td>
          </tr>`;
        })}
      </tbody>
    </table></div>`;
  }

  #grant = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    if (this._busy) return;
    const form = event.currentTarget as HTMLFormElement;
    const grantee = (form.elements.namedItem('bank') as HTMLSelectElement).value;
    const scopes = SCOPES.filter(
      (s) => form.querySelector<HTMLInputElement>(`input[name=scopes][value=${s}]`)?.checked,
    );
    const until = (form.elements.namedItem('until') as HTMLInputElement).value;
    const today = cstToday();
    const errors: FieldErrors = {};
    if (!grantee) errors.grantee = (t) => t.required(t.bank);
    if (scopes.length === 0) errors.scopes = (t) => t.pickScope;
    if (!until) errors.until = (t) => t.required(t.until);
    else if (until <= today) errors.until = (t) => t.untilPast(today);
    else if (until > addYears(today, 5)) errors.until = (t) => t.untilTooFar;
    this._errors = errors;
    this._notice = undefined;
    if (this.#focusError(errors)) return;
    this._busy = true;
    this.#key ??= newKey();
    const idempotencyKey = this.#key;
    const out = await this.call((c) => c.consent.grant.mutate({ grantee, scopes, until, idempotencyKey }));
    this._busy = false;
    if (!out.ok) {
      if (
        out.reason === 'input' &&
        (out.field === 'grantee' || out.field === 'until' || out.field === 'scopes')
      ) {
        const field = out.field;
        const tooFar = /five years/.test(out.message);
        const message: Said = (t) =>
          field === 'grantee'
            ? t.bankUnknown
            : field === 'scopes'
              ? t.pickScope
              : tooFar
                ? t.untilTooFar
                : t.untilPast(today);
        this._errors = { [out.field]: message };
        this.#focusError(this._errors);
      } else if (out.reason !== 'session') this._notice = { say: this.failure(out), ok: false };
      return;
    }
    this.#key = undefined;
    const grantedUntil = out.value.until;
    this._notice = { say: (t) => t.granted(this.#bankName(grantee), grantedUntil), ok: true };
    this.dispatchEvent(
      new CustomEvent('fivecolor-consent-granted', { bubbles: true, composed: true, detail: out.value }),
    );
    await this.reload();
  };

  #focusError(errors: FieldErrors): boolean {
    const first = errors.grantee
      ? '#bank'
      : errors.scopes
        ? 'input[name=scopes]'
        : errors.until
          ? '#until'
          : '';
    if (first) this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(first)?.focus());
    return first !== '';
  }

  async #revoke(c: Consent): Promise<void> {
    if (this._revoking) return;
    this._revoking = c.consentId;
    this._notice = undefined;
    if (this.#revokeKey?.consentId !== c.consentId)
      this.#revokeKey = { consentId: c.consentId, key: newKey() };
    const idempotencyKey = this.#revokeKey.key;
    const out = await this.call((client) =>
      client.consent.revoke.mutate({ consentId: c.consentId, idempotencyKey }),
    );
    this._revoking = undefined;
    if (!out.ok) {
      if (out.reason !== 'session') this._notice = { say: this.failure(out), ok: false };
      return;
    }
    this.#revokeKey = undefined;
    this._notice = { say: (t) => t.revoked(this.#bankName(c.grantee)), ok: true };
    this.dispatchEvent(
      new CustomEvent('fivecolor-consent-revoked', {
        bubbles: true,
        composed: true,
        detail: { consentId: c.consentId, grantee: c.grantee },
      }),
    );
    await this.reload();
    // The revoke button is gone with the consent: the keyboard's place is the confirmation.
    this.keepFocus('notice');
  }
}
