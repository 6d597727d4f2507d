// Filing window (立案审查): screen every party of a new case; a printable slip; earlier screenings of a case.
import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing } from 'lit';
import { cstDateTime, parsePartyRows } from '../format.js';
import { t } from '../i18n.js';
import { may, session } from '../session.js';
import { chip, field, formStatus, idle, runForm, submit } from '../ui.js';
import { View } from '../view.js';

type Screened = RouterOutputs['party']['screen'];
type History = RouterOutputs['party']['screenings'];

class ScreenView extends View {
  static override properties = { caseNumber: {}, gen: {}, result: { state: true }, history: { state: true } };
  declare caseNumber: string;
  declare gen: number;
  declare result:
    | (Screened & { rows: { idType: string; idNumber: string; name?: string }[]; at: string })
    | null;
  declare history: History | null;
  #screen = idle();
  #hist = idle();

  constructor() {
    super();
    this.caseNumber = '';
    this.result = null;
    this.history = null;
  }

  #looked = '';

  override willUpdate(): void {
    // The case in the URL (#/screen?case=…): its screenings, so a link to them can be bookmarked.
    if (this.caseNumber && this.caseNumber !== this.#looked) {
      this.#looked = this.caseNumber;
      void this.#lookup(this.caseNumber);
    }
  }

  async #onScreen(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const caseNumber = String(data.get('caseNumber') ?? '').trim();
    const rows = parsePartyRows(String(data.get('parties') ?? ''));
    const s = session();
    if (!s) return;
    if (rows.length === 0) {
      this.#screen.errors = { parties: `parties: ${t().required}` };
      this.requestUpdate();
      return;
    }
    const at = new Date().toISOString();
    await runForm(
      this,
      this.#screen,
      form,
      () =>
        s.client.party.screen.mutate({
          caseNumber,
          parties: rows.map(({ idType, idNumber }) => ({ idType, idNumber })),
        }),
      (r) => {
        this.result = { ...r, rows, at };
        return `${t().screenResult}: ${r.alerts ? t().alerts(r.alerts) : t().noAlerts}`;
      },
      (f) => (f.startsWith('parties.') ? 'parties' : f),
    );
  }

  async #onFile(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    const text = await file.text();
    const area = this.querySelector<HTMLTextAreaElement>('textarea[name=parties]');
    if (area)
      area.value = parsePartyRows(text)
        .map((r) => [r.idType, r.idNumber, r.name ?? ''].join(' ').trim())
        .join('\n');
  }

  async #lookup(caseNumber: string) {
    const s = session();
    if (!s) return;
    await runForm(
      this,
      this.#hist,
      null,
      () => s.client.party.screenings.query({ caseNumber }),
      (h) => {
        this.history = h;
        return `${t().historyTitle}: ${h.length}`;
      },
    );
  }

  #slip() {
    const r = this.result;
    if (!r) return nothing;
    const T = t();
    return html`<section class="card slip" aria-labelledby="slip-h">
      <div class="slip-head">
        <h2 id="slip-h">${T.slipTitle}</h2>
        <button type="button" class="no-print" @click=${() => window.print()}>${T.print}</button>
      </div>
      <dl class="meta">
        <div><dt>${T.caseNumber}</dt><dd>${r.caseNumber}</dd></div>
        <div><dt>${T.screenedAt}</dt><dd>${cstDateTime(r.at)}（CST）</dd></div>
        <div><dt>${T.screenedBy}</dt><dd>${session()?.who.name ?? ''} · ${session()?.who.court ?? ''}</dd></div>
        <div><dt>${T.alert}</dt><dd><strong>${r.alerts ? T.alerts(r.alerts) : T.noAlerts}</strong></dd></div>
      </dl>
      <table>
        <thead><tr><th scope="col">${T.index}</th><th scope="col">${T.name}</th><th scope="col">${T.idType}</th>
          <th scope="col">${T.color}</th><th scope="col">${T.alert}</th><th scope="col" class="no-print">${T.open}</th></tr></thead>
        <tbody>
          ${r.results.map(
            (x) => html`<tr class=${x.alert ? `alert-row alert-${x.color}` : ''}>
              <td>${x.index + 1}</td>
              <td>${x.nameMasked ?? r.rows[x.index]?.name ?? '—'}</td>
              <td>${r.rows[x.index]?.idType ?? ''}</td>
              <td>${chip(x.color)}${x.known ? nothing : html` <small>${T.unknownParty}</small>`}</td>
              <td>${x.alert ? html`<strong>${x.alert.message}</strong>` : '—'}</td>
              <td class="no-print">${x.partyId ? html`<a href=${`#/party/${x.partyId}`}>${T.open}</a>` : '—'}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }

  override render() {
    const T = t();
    const st = this.#screen;
    const hs = this.#hist;
    return html`<h1>${T.screenTitle}</h1>
      ${
        may('screen')
          ? html`<section class="card no-print" aria-labelledby="screen-h">
              <h2 id="screen-h">${T.screenAction}</h2>
              <p class="help" id="screen-help">${T.screenHelp}</p>
              <form id="screen" @submit=${this.#onScreen} novalidate>
                ${field(
                  'screen',
                  st,
                  'caseNumber',
                  T.caseNumber,
                  (a) => html`<input id=${a.id} name="caseNumber" required
                  placeholder="（2026）浙0212民初1002号" .value=${this.caseNumber}
                  aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
                )}
                ${field(
                  'screen',
                  st,
                  'parties',
                  T.partiesRows,
                  (a) => html`<textarea id=${a.id} name="parties" rows="5" required
                  placeholder="RESIDENT_ID 330203199001011234 章某某" aria-invalid=${a.invalid ? 'true' : 'false'}
                  aria-describedby=${`${a.describedby} screen-help`}></textarea>`,
                )}
                <div class="field">
                  <label for="screen-file">${T.loadCsv}</label>
                  <input id="screen-file" type="file" accept=".csv,text/csv,text/plain" @change=${this.#onFile} />
                </div>
                ${formStatus(st)} ${submit(st, T.screenAction)}
              </form>
            </section>`
          : nothing
      }
      ${this.#slip()}
      <section class="card no-print" aria-labelledby="hist-h">
        <h2 id="hist-h">${T.historyTitle}</h2>
        <p class="help">${T.historyHelp}</p>
        <form id="history" class="inline" @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          const form = e.target as HTMLFormElement;
          const cn = String(new FormData(form).get('caseNumber') ?? '').trim();
          this.#looked = cn;
          location.hash = `#/screen?case=${encodeURIComponent(cn)}`;
          void this.#lookup(cn);
        }} novalidate>
          ${field(
            'history',
            hs,
            'caseNumber',
            T.caseNumber,
            (a) => html`<input id=${a.id} name="caseNumber" required
            .value=${this.caseNumber} aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
          )}
          ${submit(hs, T.historyAction)} ${formStatus(hs)}
        </form>
        ${
          this.history
            ? this.history.length === 0
              ? html`<p>${T.nothing}</p>`
              : html`<table>
                  <thead><tr><th scope="col">${T.screenedAt}</th><th scope="col">${T.color}</th>
                    <th scope="col">${T.alert}</th><th scope="col">${T.party}</th></tr></thead>
                  <tbody>${this.history.map(
                    (h) => html`<tr><td>${cstDateTime(h.createdAt)}</td><td>${chip(h.color)}</td>
                      <td>${h.alert ? T.yes : T.no}</td>
                      <td>${h.partyId ? html`<a href=${`#/party/${h.partyId}`}>${h.partyId}</a>` : T.unknownParty}</td></tr>`,
                  )}</tbody>
                </table>`
            : nothing
        }
      </section>`;
  }
}

customElements.define('fc-screen-view', ScreenView);
