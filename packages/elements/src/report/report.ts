import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { type Strings, strings } from '../locales/strings.js';
import { baseStyles, colorStyles, isColor } from '../shared/colors.js';
import { formatWhen } from '../shared/format.js';
import { icon } from '../shared/icons.js';
import { qrSvg } from '../shared/qr.js';
import { fetchVerification } from '../shared/verification.js';
import type { Color, Report, ReportVerification } from '../types.js';
import { reportStyles } from './report.styles.js';

/** What the report element shows. */
export type ReportState = 'empty' | 'loading' | 'ready' | 'invalid' | 'error';

/**
 * A verified judicial integrity report (司法诚信报告): report number, dates and policy, the party
 * (masked), the code with its since / until and explanation, the color history and the records.
 * Prints on A4 in black and white: the color is always written in words.
 *
 * Set `.report` to render a report you already hold, or give `report-no`, `code` and `api` to verify
 * it online (`GET {api}/v1/reports/{reportNo}?code=…`) and render it with the party's color now. A
 * verification answer already fetched renders without fetching: set `.verification`, or put it in a
 * child `<script type="application/json">` (a server-rendered page does; no inline script runs).
 * Clearing `.verification` again verifies online with `report-no`, `code` and `api`, or, without
 * them, leaves the element `empty`. `.report` wins while both are set; cleared, `.verification` shows again.
 *
 * @summary A judicial integrity report, printable.
 * @tag fivecolor-report
 *
 * @csspart base - The report (`<article>`).
 * @csspart code - The code: icon, color in words, meaning.
 * @csspart timeline - The color history table.
 * @csspart records - The records table.
 * @csspart message - The loading / invalid / error message (`role="status"`).
 * @csspart qr - The QR code of the verification URL (with `?code=` when the code is known).
 *
 * @cssproperty --fivecolor-green - Green (default #2e7d32); also red, yellow, blue, gold and on-{color} for text.
 * @cssproperty --fivecolor-border - Rules and borders (default #c4c4c4).
 * @cssproperty --fivecolor-surface - Background (default #ffffff).
 *
 * @event fivecolor-load - A report was rendered; `detail: { color, report, colorNow? }`.
 * @event fivecolor-error - Verification failed or was impossible; `detail: { reason, status? }`.
 *
 * @example
 * ```html
 * <fivecolor-report api="https://court.example/api" report-no="…" code="…"></fivecolor-report>
 * ```
 */
export class FivecolorReport extends LitElement {
  static override styles = [baseStyles, colorStyles, reportStyles];

  static override properties = {
    reportNo: { attribute: 'report-no' },
    code: {},
    api: {},
    lang: {},
    report: { attribute: false },
    verification: { attribute: false },
    state: { reflect: true },
    _verification: { state: true, attribute: false },
  };

  /** The report number to verify online. */
  declare reportNo: string | undefined;
  /** The report's verification code. */
  declare code: string | undefined;
  /** The API base URL. */
  declare api: string | undefined;
  /** `zh-CN` (default) or `en`. */
  declare lang: string;
  /** A report to render without fetching. */
  declare report: Report | undefined;
  /**
   * A verification answer (the JSON of the verification route) to render without fetching; cleared
   * (`undefined` or `null`), the element verifies online again, or is `empty` without `report-no`,
   * `code` and `api`.
   */
  declare verification: ReportVerification | undefined;
  /** Read-only: `empty`, `loading`, `ready`, `invalid` or `error`. */
  declare state: ReportState;
  declare private _verification: ReportVerification | undefined;

  #abort: AbortController | undefined;

  constructor() {
    super();
    this.lang = '';
    this.state = 'empty';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort?.abort();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.hasUpdated && !this.report && !this.verification) this.#readChildJson();
    if (this.hasUpdated && this.state === 'loading') this.#load();
  }

  /** A server-rendered page hands over its verification as `<script type="application/json">`. */
  #readChildJson(): void {
    const json = this.querySelector(':scope > script[type="application/json"]')?.textContent;
    if (!json) return;
    try {
      this.verification = JSON.parse(json) as ReportVerification;
    } catch {
      this.state = 'invalid';
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('report') && this.report) {
      this.#abort?.abort();
      this._verification = undefined;
      this.state = isColor(this.report.classification?.color) ? 'ready' : 'invalid';
      if (this.state === 'ready')
        this.dispatchEvent(
          new CustomEvent('fivecolor-load', {
            bubbles: true,
            composed: true,
            detail: { color: this.report.classification.color, report: this.report },
          }),
        );
    } else if ((changed.has('verification') || changed.has('report')) && this.verification) {
      this.#abort?.abort();
      this.#show(this.verification);
    } else if (
      !this.report &&
      !this.verification &&
      (changed.has('reportNo') ||
        changed.has('code') ||
        changed.has('api') ||
        changed.has('report') ||
        changed.has('verification'))
    ) {
      this.#load();
    }
  }

  #load(): void {
    this.#abort?.abort();
    this._verification = undefined;
    const reportNo = this.reportNo?.trim();
    const code = this.code?.trim();
    if (!reportNo || !code || !this.api) {
      this.state = 'empty';
      return;
    }
    const ctrl = new AbortController();
    this.#abort = ctrl;
    this.state = 'loading';
    fetchVerification(this.api, reportNo, code, ctrl.signal).then((outcome) => {
      if (ctrl.signal.aborted) return;
      if (!outcome.ok) {
        this.state = 'error';
        this.dispatchEvent(
          new CustomEvent('fivecolor-error', {
            bubbles: true,
            composed: true,
            detail:
              outcome.status === undefined
                ? { reason: 'network' }
                : { reason: 'server', status: outcome.status },
          }),
        );
        return;
      }
      this.#show(outcome.result);
    });
  }

  #show(v: ReportVerification): void {
    this._verification = v;
    if (v.valid && v.report) {
      this.state = 'ready';
      this.dispatchEvent(
        new CustomEvent('fivecolor-load', {
          bubbles: true,
          composed: true,
          detail: { color: v.report.classification.color, report: v.report, colorNow: v.colorNow },
        }),
      );
    } else {
      this.state = 'invalid';
      this.dispatchEvent(
        new CustomEvent('fivecolor-error', {
          bubbles: true,
          composed: true,
          detail: { reason: v.reason ?? 'invalid' },
        }),
      );
    }
  }

  protected override render() {
    const t = strings(this.lang);
    const report = this.report ?? this._verification?.report;
    if (this.state !== 'ready' || !report) return this.#message(t);
    const c = report.classification;
    const colorNow = this.report ? undefined : this._verification?.colorNow;
    return html`<article part="base" class="report" lang=${t.lang} aria-labelledby="title">
      <header class="head">
        <h2 id="title">${t.reportTitle}</h2>
        ${this.#qr(t, report)}
      </header>
      <dl>
        <dt>${t.reportNo}</dt><dd class="mono">${report.reportNo}</dd>
        <dt>${t.issuedAt}</dt><dd class="mono">${formatWhen(report.issuedAt)}</dd>
        <dt>${t.expiresAt}</dt><dd class="mono">${formatWhen(report.expiresAt)}</dd>
        <dt>${t.policy}</dt><dd>${report.policyId}</dd>
      </dl>
      <section aria-labelledby="party">
        <h3 id="party">${t.party}</h3>
        <dl>
          <dt>${t.name}</dt><dd>${report.party.name}</dd>
          <dt>${t.kindLabel}</dt><dd>${t.kind[report.party.kind] ?? report.party.kind}</dd>
          <dt>${t.idNumber}</dt>
          <dd><span>${t.idTypes[report.party.idType] ?? report.party.idType}</span> <span class="mono">${report.party.idNumber}</span></dd>
        </dl>
      </section>
      <section aria-labelledby="code">
        <h3 id="code">${t.classification}</h3>
        <div part="code" class="code" data-color=${c.color}>
          ${icon(c.color)}<span>${t.colors[c.color]}</span><span class="meaning">${t.meanings[c.color]}</span>
        </div>
        <dl>
          <dt>${t.since}</dt><dd class="mono">${c.since ?? t.noStart}</dd>
          <dt>${t.until}</dt><dd class="mono">${c.until ?? t.open}</dd>
        </dl>
        ${colorNow ? html`<p class="now" role="status">${this.#colorNow(t, c.color, colorNow.color, colorNow.changed)}</p>` : nothing}
        ${this.#explanation(t, report)}
      </section>
      <section aria-labelledby="timeline">
        <h3 id="timeline">${t.timeline}</h3>
        <table part="timeline">
          <thead><tr><th scope="col">${t.color}</th><th scope="col">${t.from}</th><th scope="col">${t.to}</th></tr></thead>
          <tbody>
            ${report.timeline.map(
              (s) => html`<tr>
                <td>${this.#swatch(t, s.color)}</td>
                <td class="mono">${s.from ?? t.noStart}</td>
                <td class="mono">${s.until ?? t.present}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="records">
        <h3 id="records">${t.records}</h3>
        ${report.records.length === 0 ? html`<p>${t.noRecords}</p>` : this.#records(t, report)}
      </section>
      <p class="note">${t.printNote}</p>
    </article>`;
  }

  #qr(t: Strings, report: Report) {
    if (!report.verifyUrl || !/^https?:\/\//.test(report.verifyUrl)) return nothing;
    const code = this.code?.trim();
    const url = code ? `${report.verifyUrl}?code=${encodeURIComponent(code)}` : report.verifyUrl;
    return html`<figure class="qr-box">${qrSvg(url, t.qrLabel)}<figcaption>${t.qrCaption}</figcaption></figure>`;
  }

  #colorNow(t: Strings, atIssue: Color, now: Color, changed: boolean) {
    return changed || now !== atIssue ? t.colorChanged(t.colors[now]) : t.colorUnchanged;
  }

  #swatch(t: Strings, color: Color) {
    return html`<span class="swatch" data-color=${color} aria-hidden="true"></span>${t.colors[color] ?? color}`;
  }

  #explanation(t: Strings, report: Report) {
    const e = report.explanation;
    if (!e?.summary && !e?.records?.length) return nothing;
    return html`<h4 class="sr-only">${t.explanation}</h4>
      ${e.summary ? html`<p>${e.summary}</p>` : nothing}
      ${
        e.records?.length
          ? html`<ul>
              ${e.records.map((r) => html`<li>${[`${r.category} ${r.name}`, r.legalBasis, r.remedy].filter(Boolean).join(' — ')}</li>`)}
            </ul>`
          : nothing
      }`;
  }

  #records(t: Strings, report: Report) {
    return html`<table part="records">
      <thead>
        <tr>
          <th scope="col">${t.category}</th><th scope="col">${t.legalBasis}</th><th scope="col">${t.court}</th>
          <th scope="col">${t.caseNumber}</th><th scope="col">${t.effective}</th><th scope="col">${t.status}</th>
        </tr>
      </thead>
      <tbody>
        ${report.records.map(
          (r) => html`<tr>
            <td>${r.category} ${r.categoryName}</td>
            <td>${r.legalBasis}</td>
            <td>${r.court}</td>
            <td>${r.caseNumber}</td>
            <td class="mono">${r.effectiveFrom} – ${r.effectiveUntil ?? t.indefinite}</td>
            <td>${this.#status(t, r)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  #status(t: Strings, r: Report['records'][number]) {
    const parts = [t.statuses[r.status] ?? r.status];
    if (r.repairedBy) parts.push(t.repairedOn(r.repairedBy.effectiveFrom));
    if (r.objection) parts.push(t.objection[r.objection.status] ?? r.objection.status);
    if (r.source) parts.push(t.sourceOf(r.source));
    return parts.join(t.listSep);
  }

  #message(t: Strings) {
    const state = this.state;
    const reason = this._verification?.reason;
    const title =
      state === 'loading'
        ? t.verifying
        : state === 'error'
          ? t.networkError
          : state === 'invalid'
            ? reason === 'expired'
              ? t.expired
              : t.invalid
            : '';
    const detail = state === 'invalid' && reason ? t.reasons[reason] : undefined;
    return html`<div part="message" class="message" role="status" lang=${t.lang} data-color="none">
      ${state === 'invalid' || state === 'error' ? icon('none') : nothing}<strong>${title}</strong>${detail ? html`<span>${detail}</span>` : nothing}
    </div>`;
  }
}
