import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing } from 'lit';
import type { PortalStrings } from '../locales/portal-strings.js';
import { strings } from '../locales/strings.js';
import { baseStyles, colorStyles, isColor } from '../shared/colors.js';
import { apiUrl } from '../shared/fetch-json.js';
import { formatWhen } from '../shared/format.js';
import { portalStyles } from '../shared/portal.styles.js';
import { newKey, PortalElement, type Said } from '../shared/portal-element.js';
import type { Report } from '../types.js';
import { reportIssuerStyles } from './report-issuer.styles.js';

type Issued = RouterOutputs['report']['issue'];
type Earlier = RouterOutputs['report']['list']['items'][number];

/**
 * Issue a judicial integrity report (司法诚信报告) for the signed-in litigant (`report.issue`, with a
 * purpose), then show it with `<fivecolor-report>`, with print, the PDF (`GET {api}/v1/reports/{no}.pdf?code=…`)
 * and a button that copies "report number + verification code" for the counterparty. Below, the
 * reports issued before with their expiry and purpose (`report.list`: their codes are never shown again).
 *
 * Takes `api` and the party session as the `.session` property (never an attribute); a refused
 * session is said in words and announced with `fivecolor-session-expired`.
 *
 * @summary Issue, show, print and hand over a judicial integrity report.
 * @tag fivecolor-report-issuer
 *
 * @csspart base - The card (`<section>`).
 * @csspart form - The issue form.
 * @csspart input - The purpose field.
 * @csspart button - Every button (and the PDF link).
 * @csspart notice - A confirmation or failure (`role="status"`).
 * @csspart handover - The "report number + code" text to hand over.
 * @csspart reports - The table of reports issued before.
 * @csspart session - The notice that the session is missing or refused.
 *
 * @cssproperty --fivecolor-button - Button background (default #0b57d0).
 * @cssproperty --fivecolor-on-button - Button text (default #ffffff).
 * @cssproperty --fivecolor-border - Borders (default #c4c4c4).
 *
 * @event fivecolor-report-issued - A report was issued; `detail: { reportNo, code, expiresAt }`.
 * @event fivecolor-session-expired - The session was refused; get a new one and set `.session`.
 *
 * @example
 * ```html
 * <fivecolor-report-issuer id="reports" api="https://court.example"></fivecolor-report-issuer>
 * <script type="module">document.querySelector('#reports').session = sessionToken;</script>
 * ```
 */
export class FivecolorReportIssuer extends PortalElement {
  static override styles = [baseStyles, colorStyles, portalStyles, reportIssuerStyles];

  static override properties = {
    ...PortalElement.properties,
    _issued: { state: true, attribute: false },
    _earlier: { state: true, attribute: false },
    _busy: { state: true, attribute: false },
    _notice: { state: true, attribute: false },
    _copied: { state: true, attribute: false },
  };

  declare private _issued: Issued | undefined;
  declare private _earlier: Earlier[] | undefined;
  declare private _busy: boolean;
  declare private _notice: { say: Said; ok: boolean } | undefined;
  declare private _copied: string;

  #key: string | undefined;

  constructor() {
    super();
    this._busy = false;
    this._copied = '';
  }

  protected override clear(): void {
    this._issued = undefined;
    this._earlier = undefined;
    this._notice = undefined;
    this._copied = '';
  }

  protected override async reload(): Promise<void> {
    const out = await this.call((c, partyId) => c.report.list.query({ partyId }));
    if (out.ok) this._earlier = out.value.items;
    else if (out.reason !== 'session') this._loadFailure = this.failure(out);
  }

  protected override render() {
    const t = this.t;
    return html`<section part="base" class="card" lang=${t.lang} aria-labelledby="reports-title">
      <h2 id="reports-title">${t.reportsTitle}</h2>
      ${this.sessionNotice()}${this._refused || !this.session ? nothing : this.#content(t)}
    </section>`;
  }

  #content(t: PortalStrings) {
    return html`<form part="form" class="issue" novalidate @submit=${this.#issue}>
        <div class="field">
          <label for="purpose">${t.purpose}</label>
          <input part="input" id="purpose" name="purpose" maxlength="200" autocomplete="off"
            aria-describedby="purpose-hint" @input=${() => (this.#key = undefined)} />
          <span id="purpose-hint" class="hint">${t.purposeHint}</span>
        </div>
        <div class="actions">
          <button part="button" type="submit" ?disabled=${this._busy}>${this._busy ? t.issuing : t.issue}</button>
        </div>
      </form>
      <div part="notice" class=${`notice ${this._notice?.ok ? 'ok' : 'bad'}`} role="status">${this._notice?.say(t) ?? ''}</div>
      ${this._issued ? this.#issued(t, this._issued) : nothing}
      <h3>${t.previousReports}</h3>
      ${this.#earlier(t)}`;
  }

  #issued(t: PortalStrings, r: Issued) {
    const handover = t.handOver(r.reportNo, r.code);
    const pdf = this.api
      ? apiUrl(
          this.api,
          `/v1/reports/${encodeURIComponent(r.reportNo)}.pdf?code=${encodeURIComponent(r.code)}`,
        )
      : '';
    return html`<div class="issued">
      <p class="about">${t.codeOnce}</p>
      <p part="handover" class="handover mono" id="handover">${handover}</p>
      <div class="actions no-print">
        <button part="button" type="button" class="secondary" @click=${() => this.#copy(handover)}>${t.copy}</button>
        <button part="button" type="button" class="secondary" @click=${() => window.print()}>${t.print}</button>
        <a part="button" class="button secondary" href=${pdf} target="_blank" rel="noopener noreferrer"
          >${t.downloadPdf}<span class="sr-only">${t.newWindow}</span></a>
      </div>
      <p class="copied" role="status">${this._copied}</p>
      <fivecolor-report lang=${t.lang} code=${r.code} .report=${r.report as unknown as Report}></fivecolor-report>
    </div>`;
  }

  #earlier(t: PortalStrings) {
    const list = this._earlier;
    if (!list) return this.pending();
    if (list.length === 0) return html`<p>${t.noReports}</p>`;
    const colors = strings(this.lang).colors;
    const now = Date.now();
    return html`<div class="scroll"><table part="reports">
      <thead>
        <tr>
          <th scope="col">${t.reportNo}</th><th scope="col">${t.issuedAt}</th>
          <th scope="col">${t.expiresAt}</th><th scope="col">${t.colorAtIssue}</th><th scope="col">${t.purpose}</th>
          <th scope="col">${t.status}</th>
        </tr>
      </thead>
      <tbody>
        ${list.map(
          (r) => html`<tr>
            <td class="mono">${r.reportNo}</td>
            <td class="mono">${formatWhen(r.issuedAt)}</td>
            <td class="mono">${formatWhen(r.expiresAt)}</td>
            <td>${
              isColor(r.color)
                ? html`<span class="swatch" data-color=${r.color} aria-hidden="true"></span>${colors[r.color]}`
                : ''
            }</td>
            <td>${r.purpose ?? ''}</td>
            <td>${Date.parse(r.expiresAt) > now ? t.valid : t.expired}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>`;
  }

  #issue = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    if (this._busy) return;
    const purpose = this.renderRoot.querySelector<HTMLInputElement>('#purpose')?.value.trim() ?? '';
    this._busy = true;
    this._notice = undefined;
    this._copied = '';
    this.#key ??= newKey();
    const idempotencyKey = this.#key;
    const out = await this.call((c, partyId) =>
      c.report.issue.mutate({ partyId, idempotencyKey, ...(purpose ? { purpose } : {}) }),
    );
    this._busy = false;
    if (!out.ok) {
      if (out.reason !== 'session') this._notice = { say: this.failure(out), ok: false };
      return;
    }
    this.#key = undefined;
    const r = out.value;
    this._issued = r;
    this._notice = { say: (t) => t.issued(r.reportNo), ok: true };
    this.dispatchEvent(
      new CustomEvent('fivecolor-report-issued', {
        bubbles: true,
        composed: true,
        detail: { reportNo: r.reportNo, code: r.code, expiresAt: r.expiresAt },
      }),
    );
    void this.reload();
  };

  async #copy(text: string): Promise<void> {
    const t = this.t;
    try {
      await navigator.clipboard.writeText(text);
      this._copied = t.copied;
    } catch {
      // No clipboard (an insecure origin, a denied permission): select the text for the user instead.
      const p = this.renderRoot.querySelector('#handover');
      const sel = window.getSelection();
      if (p && sel) sel.selectAllChildren(p);
      this._copied = t.copyFailed;
    }
  }
}
