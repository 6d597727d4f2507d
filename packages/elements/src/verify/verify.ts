import { html, LitElement, nothing } from 'lit';
import { type Strings, strings } from '../locales/strings.js';
import { baseStyles, colorStyles } from '../shared/colors.js';
import { formatWhen } from '../shared/format.js';
import { icon } from '../shared/icons.js';
import { fetchVerification } from '../shared/verification.js';
import type { Color, ReportVerification } from '../types.js';
import { parsePasted } from './parse-pasted.js';
import { verifyStyles } from './verify.styles.js';

/** What is wrong with each field, said in the language of the moment when shown. */
type FieldErrors = { reportNo?: 'required'; code?: 'required' | 'length' };

const clean = (value: string): string => value.normalize('NFKC').replace(/\s+/g, '');

/**
 * A form to verify a judicial integrity report online: report number + 8-character verification
 * code (typed, or pasted together from the report or its verification link). Calls
 * `GET {api}/v1/reports/{reportNo}?code=…` and says whether the report is valid, invalid or expired,
 * and whether the party's color changed since the report was issued.
 *
 * @summary Report verification form.
 * @tag fivecolor-verify
 *
 * @csspart form - The `<form>`.
 * @csspart input - Both text inputs.
 * @csspart button - The submit button.
 * @csspart result - The outcome (`role="status"`).
 *
 * @cssproperty --fivecolor-button - Button background (default #0b57d0).
 * @cssproperty --fivecolor-on-button - Button text (default #ffffff).
 * @cssproperty --fivecolor-error - Error text and borders (default #b3261e).
 * @cssproperty --fivecolor-border - Borders (default #c4c4c4).
 *
 * @event fivecolor-verified - The API answered; `detail` is its JSON `{ valid, reason?, report?, colorNow? }`.
 * @event fivecolor-error - The API could not be reached or failed, or there is no `api` to call; `detail: { reason: 'network' | 'server' | 'no_api', status? }`.
 *
 * @example
 * ```html
 * <fivecolor-verify api="https://court.example/api" lang="en"></fivecolor-verify>
 * ```
 */
export class FivecolorVerify extends LitElement {
  static override styles = [baseStyles, colorStyles, verifyStyles];

  static override properties = {
    api: {},
    lang: {},
    _errors: { state: true, attribute: false },
    _busy: { state: true, attribute: false },
    _result: { state: true, attribute: false },
    _failed: { state: true, attribute: false },
  };

  /** The API base URL. */
  declare api: string | undefined;
  /** `zh-CN` (default) or `en`. */
  declare lang: string;
  declare private _errors: FieldErrors;
  declare private _busy: boolean;
  declare private _result: ReportVerification | undefined;
  declare private _failed: boolean;

  #abort: AbortController | undefined;

  constructor() {
    super();
    this.lang = '';
    this._errors = {};
    this._busy = false;
    this._failed = false;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort?.abort();
  }

  #input(name: 'reportNo' | 'code'): HTMLInputElement {
    return this.renderRoot.querySelector(`#${name}`) as HTMLInputElement;
  }

  #onPaste = (event: ClipboardEvent): void => {
    const found = parsePasted(event.clipboardData?.getData('text') ?? '');
    if (!found) return;
    event.preventDefault();
    this.#input('reportNo').value = found.reportNo;
    this.#input('code').value = found.code;
    this._errors = {};
  };

  #onSubmit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const reportNo = clean(this.#input('reportNo').value);
    const code = clean(this.#input('code').value);
    const errors: FieldErrors = {};
    if (!reportNo) errors.reportNo = 'required';
    if (!code) errors.code = 'required';
    else if ([...code].length !== 8) errors.code = 'length';
    this._errors = errors;
    if (errors.reportNo || errors.code) {
      this.#input(errors.reportNo ? 'reportNo' : 'code').focus();
      return;
    }
    if (!this.api) {
      this.#fail({ reason: 'no_api' });
      return;
    }
    this.#abort?.abort();
    const ctrl = new AbortController();
    this.#abort = ctrl;
    this._busy = true;
    this._result = undefined;
    this._failed = false;
    const outcome = await fetchVerification(this.api, reportNo, code, ctrl.signal);
    if (ctrl.signal.aborted) return;
    this._busy = false;
    if (outcome.ok) {
      this._result = outcome.result;
      this.dispatchEvent(
        new CustomEvent('fivecolor-verified', { detail: outcome.result, bubbles: true, composed: true }),
      );
    } else {
      this.#fail(
        outcome.status === undefined ? { reason: 'network' } : { reason: 'server', status: outcome.status },
      );
    }
  };

  /** Says it cannot verify now and emits `fivecolor-error`. */
  #fail(detail: { reason: 'network' | 'server' | 'no_api'; status?: number }): void {
    this._failed = true;
    this.dispatchEvent(new CustomEvent('fivecolor-error', { detail, bubbles: true, composed: true }));
  }

  protected override render() {
    const t = strings(this.lang);
    const e = this._errors;
    return html`<form part="form" lang=${t.lang} novalidate @submit=${this.#onSubmit}>
        <fieldset>
          <legend>${t.verifyTitle}</legend>
          <div class="field">
            <label for="reportNo">${t.reportNo}</label>
            <input part="input" id="reportNo" name="reportNo" autocomplete="off" spellcheck="false" required
              aria-invalid=${e.reportNo ? 'true' : 'false'} aria-describedby="reportNo-error" @paste=${this.#onPaste} />
            <span id="reportNo-error" class="error">${e.reportNo ? t.required(t.reportNo) : nothing}</span>
          </div>
          <div class="field">
            <label for="code">${t.verificationCode}</label>
            <input part="input" id="code" name="code" autocomplete="off" spellcheck="false" required
              aria-invalid=${e.code ? 'true' : 'false'} aria-describedby="code-hint code-error" @paste=${this.#onPaste} />
            <span id="code-hint" class="hint">${t.codeHint}</span>
            <span id="code-error" class="error">${
              e.code === 'length' ? t.codeLength : e.code ? t.required(t.verificationCode) : nothing
            }</span>
          </div>
          <button part="button" type="submit" ?disabled=${this._busy}>${this._busy ? t.verifying : t.submit}</button>
        </fieldset>
      </form>
      <div part="result" class="result" role="status" lang=${t.lang} data-outcome=${this.#outcome()}>${this.#result(t)}</div>`;
  }

  #outcome(): string {
    const r = this._result;
    if (!r) return this._failed ? 'error' : '';
    return r.valid ? 'valid' : r.reason === 'expired' ? 'expired' : 'invalid';
  }

  #result(t: Strings) {
    if (this._failed) return html`<p class="outcome">${icon('none')}${t.networkError}</p>`;
    const r = this._result;
    if (!r) return nothing;
    if (!r.valid) {
      const detail = r.reason ? t.reasons[r.reason] : undefined;
      return html`<p class="outcome">${icon('none')}${r.reason === 'expired' ? t.expired : t.invalid}</p>
        ${detail ? html`<p>${detail}</p>` : nothing}`;
    }
    const report = r.report;
    const atIssue = report?.classification.color;
    return html`<p class="outcome">${icon('green')}${t.valid}</p>
      ${
        report && atIssue
          ? html`<p>${t.reportNo}${t.colon}<span class="mono">${report.reportNo}</span></p>
              <p>${t.party}${t.colon}${report.party.name}</p>
              <p>${this.#swatch(atIssue)}${t.colorAtIssue(t.colors[atIssue])} · ${t.issuedAt} ${formatWhen(report.issuedAt)}</p>`
          : nothing
      }
      ${
        r.colorNow
          ? html`<p><strong
              >${this.#swatch(r.colorNow.color)}${
                r.colorNow.changed || (atIssue && r.colorNow.color !== atIssue)
                  ? t.colorChanged(t.colors[r.colorNow.color])
                  : t.colorUnchanged
              }</strong
            ></p>`
          : nothing
      }`;
  }

  #swatch(color: Color) {
    return html`<span class="swatch" data-color=${color} aria-hidden="true"></span>`;
  }
}
