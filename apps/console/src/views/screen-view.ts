// Filing window (立案审查): screen every party of a new case; a printable slip; earlier screenings of a case.
import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing } from 'lit';
import { cstDateTime, parsePartyRows } from '../format.js';
import { t } from '../i18n.js';
import { may, session } from '../session.js';
import { chip, errorsOf, field, formStatus, idle, runForm, submit } from '../ui.js';
import { View } from '../view.js';

type Screened = RouterOutputs['party']['screen'];
type History = RouterOutputs['party']['screenings'];
type Marked = RouterOutputs['party']['markedCases'];
type Mark = RouterOutputs['party']['markCase'];

class ScreenView extends View {
  static override properties = {
    caseNumber: {},
    gen: {},
    result: { state: true },
    history: { state: true },
    marks: { state: true },
    marked: { state: true },
  };
  declare caseNumber: string;
  declare gen: number;
  declare result:
    | (Screened & {
        rows: { idType: string; idNumber: string; name?: string }[];
        at: string;
        /** One key per slip: a second click (or a retry) replays the first mark instead of adding one. */
        markKey: string;
        mark: Mark | null;
      })
    | null;
  declare history: History | null;
  /** The marks of the case looked up in the history form. */
  declare marks: Marked['items'][number]['marks'] | null;
  /** The cases marked in the key's courts (loaded page by page). */
  declare marked: { items: Marked['items']; next: number | null } | null;
  #screen = idle();
  #hist = idle();
  #mark = idle();
  #more = idle();

  constructor() {
    super();
    this.caseNumber = '';
    this.result = null;
    this.history = null;
    this.marks = null;
    this.marked = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (may('screen')) void this.#loadMarked(0);
  }

  async #loadMarked(offset: number) {
    const s = session();
    if (!s || this.#more.busy) return;
    this.#more = { busy: true, errors: {}, done: '' };
    this.requestUpdate();
    try {
      const page = await s.client.party.markedCases.query({ offset, limit: 10 });
      this.marked = {
        items: [...(offset > 0 ? (this.marked?.items ?? []) : []), ...page.items],
        next: page.nextOffset,
      };
    } catch (err) {
      this.#more.errors = { '': Object.values(errorsOf(err)).join('; ') };
    } finally {
      this.#more.busy = false;
      this.requestUpdate();
    }
  }

  async #onMark(e: SubmitEvent) {
    e.preventDefault();
    const r = this.result;
    const s = session();
    if (!r || !s) return;
    const form = e.target as HTMLFormElement;
    const note = String(new FormData(form).get('note') ?? '').trim();
    await runForm(
      this,
      this.#mark,
      form,
      () =>
        s.client.party.markCase.mutate({
          caseNumber: r.caseNumber,
          ...(note ? { note } : {}),
          idempotencyKey: r.markKey,
        }),
      (m) => {
        if (this.result === r) this.result = { ...r, mark: m };
        void this.#loadMarked(0);
        return `${t().markDone}: ${m.caseNumber}`;
      },
    );
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
        this.result = { ...r, rows, at, markKey: `mark-${crypto.randomUUID()}`, mark: null };
        this.#mark = idle();
        return `${t().screenResult}: ${r.alerts ? t().alerts(r.alerts) : t().noAlerts}`;
      },
      (f) => (f.startsWith('parties.') ? 'parties' : f),
    );
    // The API counts the lines from 0; the clerk from 1.
    const lines = this.#screen.errors.parties;
    if (lines) {
      this.#screen.errors.parties = lines.replace(
        /parties\.(\d+)\./g,
        (m, n) => `${t().lineNo(Number(n) + 1)} ${m}`,
      );
      this.requestUpdate();
    }
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
      () =>
        Promise.all([
          s.client.party.screenings.query({ caseNumber }),
          may('screen') ? s.client.party.markedCases.query({ caseNumber }) : { items: [], nextOffset: null },
        ]),
      ([h, m]) => {
        this.history = h;
        this.marks = m.items[0]?.marks ?? [];
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
      ${this.#markPart(r)}
    </section>`;
  }

  #markPart(r: NonNullable<ScreenView['result']>) {
    const T = t();
    if (r.mark)
      return html`<p class="mark-done" data-testid="mark">
        <strong><span aria-hidden="true">➜ </span>${T.markDone}</strong> · ${T.markedAt} ${cstDateTime(r.mark.markedAt)}（CST）
        · ${T.markedBy} ${r.mark.markedBy.name ?? ''}${r.mark.note ? html` · ${T.note}: ${r.mark.note}` : nothing}
      </p>`;
    if (!may('screen')) return nothing;
    const st = this.#mark;
    return html`<form id="mark" class="no-print mark-form" @submit=${this.#onMark} novalidate aria-describedby="mark-help">
      <h3>${T.markTitle}</h3>
      <p class="help" id="mark-help">${T.markHelp}</p>
      ${field(
        'mark',
        st,
        'note',
        T.markNote,
        (a) => html`<textarea id=${a.id} name="note" rows="2" maxlength="500"
          aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby}></textarea>`,
      )}
      ${formStatus(st)} ${submit(st, T.markAction)}
    </form>`;
  }

  #markedList() {
    if (!may('screen')) return nothing;
    const T = t();
    const m = this.marked;
    return html`<section class="card no-print" aria-labelledby="marked-h">
      <h2 id="marked-h">${T.markedTitle}</h2>
      <p class="help">${T.markedHelp}</p>
      ${
        !m
          ? html`<p aria-busy="true">${T.loading}</p>`
          : m.items.length === 0
            ? html`<p>${T.markedNone}</p>`
            : html`<ul class="marked">
                ${m.items.map(
                  (c) => html`<li>
                    <p class="marked-head">
                      <a href=${`#/screen?case=${encodeURIComponent(c.caseNumber)}`}><strong>${c.caseNumber}</strong></a>
                      · ${c.court} · ${c.alerts ? html`<strong>${T.alerts(c.alerts)}</strong>` : T.noAlerts}
                    </p>
                    <p><small>${T.markedAt} ${c.markedAt ? cstDateTime(c.markedAt) : '—'} · ${T.markedBy}
                      ${c.marks[0]?.markedBy.name ?? ''}</small>${c.marks[0]?.note ? html`<br />${T.note}: ${c.marks[0].note}` : nothing}</p>
                    <ul class="chips" aria-label=${`${T.parties} ${c.caseNumber}`}>
                      ${c.screenings.map(
                        (x) =>
                          html`<li>${
                            x.partyId
                              ? html`<a href=${`#/party/${x.partyId}`}>${chip(x.color)}${x.alert ? html` <span class="flag">${T.evAlert}</span>` : nothing}</a>`
                              : html`${chip(x.color)} <small>${T.unknownParty}</small>`
                          }</li>`,
                      )}
                    </ul>
                  </li>`,
                )}
              </ul>`
      }
      ${
        m?.next != null
          ? html`<button type="button" ?disabled=${this.#more.busy} @click=${() => this.#loadMarked(m.next ?? 0)}>${T.more}</button>`
          : nothing
      }
      ${formStatus(this.#more)}
    </section>`;
  }

  override render() {
    const T = t();
    const st = this.#screen;
    const hs = this.#hist;
    // The trial judge comes here for the cases marked for trial: they come first.
    const judgeFirst = session()?.who.role === 'judge';
    return html`<h1>${T.screenTitle}</h1>
      ${judgeFirst ? this.#markedList() : nothing}
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
      ${this.#slip()} ${judgeFirst ? nothing : this.#markedList()}
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
          this.marks?.length
            ? html`<h3>${T.marksOfCase}</h3>
                <ul class="marks">${this.marks.map(
                  (m) =>
                    html`<li>${cstDateTime(m.markedAt)} · ${m.court} · ${T.markedBy} ${m.markedBy.name ?? ''}${m.note ? html` · ${m.note}` : nothing}</li>`,
                )}</ul>`
            : nothing
        }
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
