// Party view (审判): find a party; its badge, explanation, color timeline and records; actions by role in dialogs.
import type { RouterOutputs } from '@fivecolor/client';
import '@fivecolor/elements/badge/define.js';
import '@fivecolor/elements/report/define.js';
import { html, nothing, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import { cstToday } from '../format.js';
import { lang, t } from '../i18n.js';
import { may, session } from '../session.js';
import { chip, errorsOf, type FormState, field, formStatus, idle, runForm, submit } from '../ui.js';
import { View } from '../view.js';

type Details = RouterOutputs['party']['get'];
type Rec = Details['records'][number];
type Segment = RouterOutputs['party']['timeline']['segments'][number];
type History = RouterOutputs['party']['caseHistory']['years'];
type CaseEvent = History[number]['cases'][number]['events'][number];
type Dialog = 'record' | 'gold' | 'amend' | 'revoke' | 'repair' | 'token' | 'report' | null;

const ID_TYPES = ['RESIDENT_ID', 'USCC', 'PASSPORT', 'HK_MACAO_PERMIT', 'TAIWAN_PERMIT', 'FOREIGN_PR_ID'];

/**
 * Positions a timeline piece through the CSSOM (a `style` attribute would break the console's CSP, which
 * allows no inline style; lit's styleMap writes the attribute on first render).
 */
const place = (left: number, width?: number) =>
  ref((el) => {
    if (!(el instanceof HTMLElement)) return;
    el.style.left = `${left}%`;
    if (width !== undefined) el.style.width = `${width}%`;
  });

class PartyView extends View {
  static override properties = {
    partyId: {},
    gen: {},
    details: { state: true },
    segments: { state: true },
    history: { state: true },
    dialog: { state: true },
    target: { state: true },
    issued: { state: true },
    loadError: { state: true },
    candidates: { state: true },
  };
  declare partyId: string;
  declare gen: number;
  declare details: Details | null;
  declare segments: Segment[];
  declare history: History | null;
  declare dialog: Dialog;
  declare target: Rec | null;
  declare issued: { token?: string; reportNo?: string; code?: string } | null;
  declare loadError: string;
  declare candidates: RouterOutputs['party']['search'] | null;
  #forms: Record<string, FormState> = {};
  #loaded = '';

  constructor() {
    super();
    this.partyId = '';
    this.details = null;
    this.segments = [];
    this.history = null;
    this.dialog = null;
    this.target = null;
    this.issued = null;
    this.loadError = '';
    this.candidates = null;
    window.addEventListener('fc-lang', () => {
      if (this.isConnected && this.partyId) void this.#load();
    });
  }

  #form(name: string): FormState {
    this.#forms[name] ??= idle();
    return this.#forms[name];
  }

  override willUpdate(): void {
    if (this.partyId !== this.#loaded) {
      this.#loaded = this.partyId;
      // A dialog opened for the party before (Back, a link) would write to this one.
      if (this.dialog) this.#close();
      this.details = null;
      this.segments = [];
      this.history = null;
      if (this.partyId) void this.#load();
    }
  }

  async #load() {
    const s = session();
    const partyId = this.partyId;
    if (!s || !partyId) return;
    this.loadError = '';
    try {
      const [details, tl, hist] = await Promise.all([
        s.client.party.get.query({ partyId, purpose: 'console', lang: lang() }),
        s.client.party.timeline.query({ partyId, purpose: 'console' }),
        s.client.party.caseHistory.query({ partyId, purpose: 'console' }),
      ]);
      if (partyId !== this.partyId) return; // a late answer for the party shown before
      this.details = details;
      this.segments = tl.segments;
      this.history = hist.years;
    } catch (err) {
      if (partyId === this.partyId) this.loadError = Object.values(errorsOf(err)).join('; ');
    }
  }

  async #lookup(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const d = new FormData(form);
    const s = session();
    if (!s) return;
    await runForm(
      this,
      this.#form('lookup'),
      form,
      () =>
        s.client.party.lookup.mutate({
          idType: String(d.get('idType')),
          idNumber: String(d.get('idNumber') ?? '').trim(),
          purpose: 'console',
          lang: lang(),
        }),
      (r) => {
        location.hash = `#/party/${r.party.partyId}`;
        return `${t().partyTitle}: ${r.party.name}`;
      },
    );
  }

  async #searchName(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '').trim();
    const s = session();
    if (!s) return;
    this.candidates = null;
    await runForm(
      this,
      this.#form('byName'),
      form,
      () => s.client.party.search.mutate({ name, purpose: 'console name search' }),
      (r) => {
        this.candidates = r;
        return `${t().candidates}: ${r.candidates.length}`;
      },
    );
  }

  #open(d: Dialog, target: Rec | null = null) {
    this.dialog = d;
    this.target = target;
    this.issued = null;
    for (const k of Object.keys(this.#forms)) if (k !== 'lookup') this.#forms[k] = idle();
    this.updateComplete.then(() => {
      const el = this.querySelector<HTMLDialogElement>('dialog');
      if (el && !el.open) el.showModal();
    });
  }

  #close = () => {
    this.querySelector<HTMLDialogElement>('dialog')?.close();
    this.dialog = null;
  };

  /** Runs a dialog's mutation; on success reloads the party and closes the dialog (unless it shows a result). */
  async #mutate<T>(
    e: SubmitEvent,
    name: string,
    call: (d: FormData) => Promise<T>,
    done: (r: T) => string,
    keepOpen = false,
  ) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const r = await runForm(this, this.#form(name), form, () => call(data), done);
    if (r !== undefined) {
      await this.#load();
      if (!keepOpen) this.#close();
    }
  }

  #categories(gold: boolean) {
    const s = session();
    const cats = s?.policy.categories ?? [];
    if (gold) return cats.filter((c) => c.code === 'G01');
    return cats.filter((c) => c.color === 'red' || c.color === 'yellow');
  }

  #catName(code: string): string {
    const c = session()?.policy.categories.find((x) => x.code === code);
    return c ? (lang() === 'en' ? c.en : c.zh) : code;
  }

  #recordDialog(gold: boolean): TemplateResult {
    const T = t();
    const st = this.#form('record');
    const s = session();
    const text = (
      name: string,
      label: string,
      attrs: { required?: boolean; type?: string; value?: string } = {},
    ) =>
      field(
        'rec',
        st,
        name,
        label,
        (a) => html`<input id=${a.id} name=${name} type=${attrs.type ?? 'text'}
        ?required=${attrs.required ?? false} .value=${attrs.value ?? ''} aria-invalid=${a.invalid ? 'true' : 'false'}
        aria-describedby=${a.describedby} />`,
      );
    return html`<form method="dialog" id="rec" @submit=${(e: SubmitEvent) =>
      this.#mutate(
        e,
        'record',
        (d) =>
          s!.client.record.create.mutate({
            partyId: this.partyId,
            category: String(d.get('category')),
            court: String(d.get('court') ?? '').trim(),
            caseNumber: String(d.get('caseNumber') ?? '').trim(),
            effectiveFrom: String(d.get('effectiveFrom') ?? ''),
            ...(d.get('effectiveUntil') ? { effectiveUntil: String(d.get('effectiveUntil')) } : {}),
            ...(d.get('note') ? { note: String(d.get('note')) } : {}),
          }),
        () => T.recordCreated,
      )} novalidate>
      <h2 id="dlg-h">${gold ? T.gold : T.addRecord}</h2>
      ${field(
        'rec',
        st,
        'category',
        T.category,
        (a) => html`<select id=${a.id} name="category" required
        aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby}>
        ${this.#categories(gold).map((c) => html`<option value=${c.code}>${c.code} ${lang() === 'en' ? c.en : c.zh}（${T.colors[c.color]}）</option>`)}
      </select>`,
      )}
      ${text('court', T.court, { required: true, value: s?.who.court ?? '' })}
      ${text('caseNumber', T.caseNumber, { required: true })}
      ${text('effectiveFrom', T.effectiveFrom, { required: true, type: 'date', value: cstToday() })}
      ${text('effectiveUntil', `${T.effectiveUntil}（${T.optional}）`, { type: 'date' })}
      ${text('note', `${T.note}（${T.optional}）`)}
      ${formStatus(st)}
      <div class="buttons">${submit(st, T.confirm)}<button type="button" @click=${this.#close}>${T.cancel}</button></div>
    </form>`;
  }

  #reasonDialog(kind: 'revoke' | 'amend'): TemplateResult {
    const T = t();
    const st = this.#form(kind);
    const s = session();
    const r = this.target;
    if (!r) return html``;
    return html`<form method="dialog" id=${kind} @submit=${(e: SubmitEvent) =>
      this.#mutate(
        e,
        kind,
        async (d): Promise<unknown> =>
          kind === 'revoke'
            ? await s!.client.record.revoke.mutate({
                recordId: r.recordId,
                reason: String(d.get('reason') ?? '').trim(),
              })
            : await s!.client.record.amend.mutate({
                recordId: r.recordId,
                reason: String(d.get('reason') ?? '').trim(),
                ...(d.get('effectiveFrom') ? { effectiveFrom: String(d.get('effectiveFrom')) } : {}),
                ...(d.get('caseNumber') ? { caseNumber: String(d.get('caseNumber')).trim() } : {}),
                // An emptied note is sent: clearing one (a phone number typed in it) is an amendment.
                ...(d.get('note') || r.note ? { note: String(d.get('note') ?? '') } : {}),
              }),
        () => (kind === 'revoke' ? T.recordRevoked : T.recordAmended),
      )} novalidate>
      <h2 id="dlg-h">${kind === 'revoke' ? T.revoke : T.amend}: ${r.category} ${this.#catName(r.category)}</h2>
      <p class="help">${r.caseNumber} · ${r.court} · ${r.effectiveFrom}</p>
      ${
        kind === 'amend'
          ? html`${field(
              kind,
              st,
              'effectiveFrom',
              T.effectiveFrom,
              (a) => html`<input id=${a.id} name="effectiveFrom" type="date"
              .value=${r.effectiveFrom} aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
            )}
            ${field(
              kind,
              st,
              'caseNumber',
              T.caseNumber,
              (a) => html`<input id=${a.id} name="caseNumber" .value=${r.caseNumber}
              aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
            )}
            ${field(
              kind,
              st,
              'note',
              T.note,
              (a) => html`<input id=${a.id} name="note" .value=${r.note ?? ''}
              aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
            )}`
          : nothing
      }
      ${field(
        kind,
        st,
        'reason',
        T.reason,
        (a) => html`<textarea id=${a.id} name="reason" required rows="3"
        aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby}></textarea>`,
      )}
      ${formStatus(st)}
      <div class="buttons">${submit(st, T.confirm)}<button type="button" @click=${this.#close}>${T.cancel}</button></div>
    </form>`;
  }

  #repairDialog(): TemplateResult {
    const T = t();
    const st = this.#form('repair');
    const s = session();
    const repairable = (this.details?.records ?? []).filter((r) => {
      const cat = s?.policy.categories.find((c) => c.code === r.category);
      return cat?.repairable && !r.revoked;
    });
    return html`<form method="dialog" id="repair" @submit=${(e: SubmitEvent) =>
      this.#mutate(
        e,
        'repair',
        (d) =>
          s!.client.record.repair.mutate({
            partyId: this.partyId,
            repairs: d.getAll('repairs').map(String),
            court: String(d.get('court') ?? '').trim(),
            caseNumber: String(d.get('caseNumber') ?? '').trim(),
            effectiveFrom: String(d.get('effectiveFrom') ?? ''),
            ...(d.get('note') ? { note: String(d.get('note')) } : {}),
          }),
        () => T.repaired,
      )} novalidate>
      <h2 id="dlg-h">${T.repair}</h2>
      <fieldset aria-describedby="repair-repairs-err">
        <legend>${T.repairPick}</legend>
        ${
          repairable.length === 0
            ? html`<p>${T.nothing}</p>`
            : repairable.map(
                (r) => html`<label class="check"><input type="checkbox" name="repairs" value=${r.recordId} />
                  ${r.category} ${this.#catName(r.category)} · ${r.caseNumber} · ${r.effectiveFrom}</label>`,
              )
        }
        <p class="field-error" id="repair-repairs-err" ?hidden=${!st.errors.repairs}>${st.errors.repairs ?? ''}</p>
      </fieldset>
      ${field(
        'repair',
        st,
        'court',
        T.court,
        (a) => html`<input id=${a.id} name="court" required .value=${s?.who.court ?? ''}
        aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
      )}
      ${field(
        'repair',
        st,
        'caseNumber',
        T.caseNumber,
        (a) => html`<input id=${a.id} name="caseNumber" required
        aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
      )}
      ${field(
        'repair',
        st,
        'effectiveFrom',
        T.effectiveFrom,
        (a) => html`<input id=${a.id} name="effectiveFrom" type="date"
        required .value=${cstToday()} aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
      )}
      ${field(
        'repair',
        st,
        'note',
        `${T.note}（${T.optional}）`,
        (a) => html`<input id=${a.id} name="note"
        aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
      )}
      ${formStatus(st)}
      <div class="buttons">${submit(st, T.confirm)}<button type="button" @click=${this.#close}>${T.cancel}</button></div>
    </form>`;
  }

  #issueDialog(kind: 'token' | 'report'): TemplateResult {
    const T = t();
    const st = this.#form(kind);
    const s = session();
    const out = this.issued;
    return html`<form method="dialog" id=${kind} @submit=${(e: SubmitEvent) =>
      this.#mutate(
        e,
        kind,
        async () => {
          if (kind === 'token') {
            const r = await s!.client.party.issueBadgeToken.mutate({ partyId: this.partyId });
            this.issued = { token: r.token };
          } else {
            const r = await s!.client.report.issue.mutate({ partyId: this.partyId, purpose: 'console' });
            this.issued = { reportNo: r.reportNo, code: r.code };
          }
          return true;
        },
        () => (kind === 'token' ? T.tokenIssued : T.reportIssued),
        true,
      )}>
      <h2 id="dlg-h">${kind === 'token' ? T.badgeToken : T.issueReport}</h2>
      ${
        out?.token
          ? html`<p>${T.badgeLink}: <a href=${`/badge/${out.token}`} target="_blank" rel="noopener">${location.origin}/badge/${out.token}</a></p>`
          : nothing
      }
      ${
        out?.reportNo
          ? html`<p>${T.reportCode}: <code data-testid="report-code">${out.reportNo} / ${out.code}</code></p>
            <fivecolor-report class="printable" report-no=${out.reportNo} code=${out.code ?? ''} api=${location.origin}
              lang=${lang()}></fivecolor-report>`
          : nothing
      }
      ${formStatus(st)}
      <div class="buttons">
        ${out ? (out.reportNo ? html`<button type="button" @click=${() => window.print()}>${T.print}</button>` : nothing) : submit(st, T.confirm)}
        <button type="button" @click=${this.#close}>${T.close}</button>
      </div>
    </form>`;
  }

  #dialog(): TemplateResult | typeof nothing {
    const d = this.dialog;
    if (!d) return nothing;
    const body =
      d === 'record' || d === 'gold'
        ? this.#recordDialog(d === 'gold')
        : d === 'revoke' || d === 'amend'
          ? this.#reasonDialog(d)
          : d === 'repair'
            ? this.#repairDialog()
            : this.#issueDialog(d);
    return html`<dialog aria-labelledby="dlg-h" class=${d === 'report' ? 'wide' : ''} @close=${() => {
      this.dialog = null;
    }}>${body}</dialog>`;
  }

  #search(): TemplateResult {
    const T = t();
    const st = this.#form('lookup');
    return html`<section class="card no-print" aria-labelledby="search-h">
      <h2 id="search-h">${T.searchTitle}</h2>
      <form id="lookup" class="inline" @submit=${this.#lookup} novalidate>
        ${field(
          'lookup',
          st,
          'idType',
          T.idType,
          (a) => html`<select id=${a.id} name="idType"
          aria-describedby=${a.describedby}>${ID_TYPES.map((x) => html`<option>${x}</option>`)}</select>`,
        )}
        ${field(
          'lookup',
          st,
          'idNumber',
          `${T.idNumber}（/）`,
          (a) => html`<input id=${a.id} name="idNumber" required
          data-search autocomplete="off" spellcheck="false" aria-invalid=${a.invalid ? 'true' : 'false'}
          aria-describedby=${a.describedby} aria-keyshortcuts="/" />`,
        )}
        ${submit(st, T.search)}
      </form>
      ${formStatus(st)}
      ${
        may('screen')
          ? html`<form id="byName" class="inline" @submit=${this.#searchName} novalidate>
              ${field(
                'byName',
                this.#form('byName'),
                'name',
                T.searchByName,
                (a) => html`<input id=${a.id} name="name" required
                autocomplete="off" aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${`${a.describedby} byName-help`} />`,
              )}
              ${submit(this.#form('byName'), T.search)}
              <p class="help" id="byName-help">${T.searchNameHelp}</p>
            </form>
            ${formStatus(this.#form('byName'))}
            ${
              this.candidates
                ? this.candidates.candidates.length === 0
                  ? html`<p>${T.noMatch}</p>`
                  : html`<ul class="candidates" aria-label=${T.candidates}>
                      ${this.candidates.candidates.map(
                        (c) =>
                          html`<li><a href=${`#/party/${c.partyId}`}>${c.nameMasked} · ${c.idType} ${c.idNumberMasked}</a> ${chip(c.color)}</li>`,
                      )}
                    </ul>`
                : nothing
            }`
          : nothing
      }
    </section>`;
  }

  #timeline(): TemplateResult {
    const T = t();
    const segs = this.segments.filter((s) => s.from !== null || s.until !== null);
    if (segs.length === 0) return html`<p>${T.timelineNone}</p>`;
    const today = cstToday();
    const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
    // A year of what came before the first change, so the band shows it.
    const start = Math.min(...segs.map((s) => day(s.from ?? today))) - 365;
    const end = Math.max(day(today) + 180, ...segs.map((s) => day(s.until ?? today)));
    const span = Math.max(1, end - start);
    const years: number[] = [];
    for (
      let y = Number(String(new Date(start * 86_400_000).getUTCFullYear())) + 1;
      day(`${y}-01-01`) < end;
      y++
    )
      years.push(y);
    return html`<div class="timeline" role="img" aria-label=${`${T.timeline}: ${segs
      .map((s) => `${T.colors[s.color]} ${s.from ?? '…'} – ${s.until ?? '…'}`)
      .join('; ')}`}>
        <div class="band">
          ${segs.map((s) => {
            const a = day(s.from ?? this.#isoOf(start));
            const b = s.until ? day(s.until) : end;
            return html`<div class=${`seg seg-${s.color}`} ${place(((a - start) / span) * 100, Math.max(0.5, ((b - a) / span) * 100))} title=${`${T.colors[s.color]} ${s.from ?? ''} – ${s.until ?? ''}`}></div>`;
          })}
          <div class="today" ${place(((day(today) - start) / span) * 100)}></div>
        </div>
        <div class="years" aria-hidden="true">
          ${years.map((y) => html`<span ${place(((day(`${y}-01-01`) - start) / span) * 100)}>${y}</span>`)}
        </div>
      </div>
      <ol class="timeline-list">
        ${segs.map((s) => html`<li>${chip(s.color)} ${s.from ?? '…'} – ${s.until ?? '…'}</li>`)}
      </ol>`;
  }

  #event(ev: CaseEvent): TemplateResult {
    const T = t();
    switch (ev.kind) {
      case 'screened':
        return html`${T.evScreened} ${chip(ev.color)}${ev.alert ? html` <strong class="flag"><span aria-hidden="true">⚠</span> ${T.evAlert}</strong>` : nothing}`;
      case 'marked':
        return html`<span aria-hidden="true">➜</span> ${T.evMarked}`;
      default:
        return html`${ev.kind === 'entered' ? T.evEntered : T.evRevoked} <strong>${ev.category}</strong> ${this.#catName(ev.category)}`;
    }
  }

  #caseHistory(): TemplateResult {
    const T = t();
    const years = this.history;
    if (!years) return html`<p aria-busy="true">${T.loading}</p>`;
    if (years.length === 0) return html`<p>${T.caseHistoryNone}</p>`;
    return html`<p class="help">${T.caseHistoryHelp}</p>
      <ol class="case-history">
        ${years.map(
          (y) => html`<li>
            <h3>${y.year} <small>· ${T.caseCount(y.cases.length)}</small></h3>
            <ul class="cases">
              ${y.cases.map(
                (c) => html`<li>
                  <a href=${`#/screen?case=${encodeURIComponent(c.caseNumber)}`}>${c.caseNumber}</a> · ${c.court}
                  <ul class="events">${c.events.map((ev) => html`<li><time datetime=${ev.date}>${ev.date}</time> ${this.#event(ev)}</li>`)}</ul>
                </li>`,
              )}
            </ul>
          </li>`,
        )}
      </ol>`;
  }

  #isoOf(day: number): string {
    return new Date(day * 86_400_000).toISOString().slice(0, 10);
  }

  #status(r: Rec): TemplateResult {
    const T = t();
    const repaired = (this.details?.records ?? []).some((x) => !x.revoked && x.repairs.includes(r.recordId));
    const label = r.revoked
      ? T.statusRevoked
      : r.archived
        ? T.statusArchived
        : repaired
          ? T.statusRepaired
          : T.statusActive;
    return html`${label}${r.revoked && r.revokeReason ? html`<br /><small>${r.revokeReason}</small>` : nothing}`;
  }

  #records(): TemplateResult {
    const T = t();
    const d = this.details;
    if (!d) return html``;
    const pol = session()?.policy.categories ?? [];
    const canEdit = may('enter');
    return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${T.records}><table class="records">
      <caption class="visually-hidden">${T.records}</caption>
      <thead><tr>
        <th scope="col">${T.category}</th><th scope="col">${T.legalBasis}</th><th scope="col">${T.court}</th>
        <th scope="col">${T.caseNumber}</th><th scope="col">${T.effectiveFrom}</th><th scope="col">${T.effectiveUntil}</th>
        <th scope="col">${T.status}</th><th scope="col">${T.source}</th><th scope="col">${T.objection}</th>
        ${canEdit ? html`<th scope="col" class="no-print">${T.actions}</th>` : nothing}
      </tr></thead>
      <tbody>
        ${d.records.map(
          (r) => html`<tr class=${r.revoked ? 'revoked' : ''}>
            <td>${chip(r.color)}<br /><strong>${r.category}</strong> ${this.#catName(r.category)}</td>
            <td><small>${pol.find((c) => c.code === r.category)?.basis ?? ''}</small></td>
            <td>${r.court}</td><td>${r.caseNumber}</td><td>${r.effectiveFrom}</td><td>${r.effectiveUntil ?? '—'}</td>
            <td>${this.#status(r)}</td><td>${r.source}</td>
            <td>${r.objection ? html`<span class="flag"><span aria-hidden="true">⚑</span> ${T.underObjection(r.objection.dueDate)}</span>` : '—'}</td>
            ${
              canEdit
                ? html`<td class="no-print">${
                    r.revoked
                      ? '—'
                      : html`<button type="button" class="small" @click=${() => this.#open('amend', r)}
                            aria-label=${`${T.amend} ${r.category} ${r.caseNumber}`}>${T.amend}</button>
                          <button type="button" class="small danger" @click=${() => this.#open('revoke', r)}
                            aria-label=${`${T.revoke} ${r.category} ${r.caseNumber}`}>${T.revoke}</button>`
                  }</td>`
                : nothing
            }
          </tr>`,
        )}
      </tbody>
    </table></div>`;
  }

  #party(): TemplateResult {
    const T = t();
    const d = this.details;
    if (this.loadError) return html`<p class="form-error" role="alert">${this.loadError}</p>`;
    if (!d) return this.partyId ? html`<p aria-busy="true">${T.loading}</p>` : html``;
    const c = d.classification;
    const e = d.explanation;
    const badge = {
      color: c.color,
      label: T.colors[c.color] ?? c.color,
      name: d.party.name,
      kind: d.party.kind,
      asOf: cstToday(),
      since: c.since,
      until: c.until,
      policyId: c.policyId,
    };
    return html`<section class="card party" aria-labelledby="party-h">
        <div class="party-head">
          <fivecolor-badge .data=${badge} lang=${lang()} verify-link="none"></fivecolor-badge>
          <div>
            <h2 id="party-h">${d.party.name}</h2>
            <p>${d.party.idType} ${d.party.idNumber} · ${d.party.kind} · <code>${d.party.partyId}</code></p>
            <p>${chip(c.color)} ${T.since} ${c.since ?? '—'} · ${T.until} ${c.until ?? '—'}</p>
          </div>
        </div>
        ${
          may('enter')
            ? html`<div class="actions no-print" role="group" aria-label=${T.actions}>
                <button type="button" @click=${() => this.#open('record')}>${T.addRecord}</button>
                ${may('repair') ? html`<button type="button" @click=${() => this.#open('repair')}>${T.repair}</button>` : nothing}
                ${may('gold') ? html`<button type="button" @click=${() => this.#open('gold')}>${T.gold}</button>` : nothing}
                <button type="button" @click=${() => this.#open('token')}>${T.badgeToken}</button>
                <button type="button" @click=${() => this.#open('report')}>${T.issueReport}</button>
              </div>`
            : nothing
        }
      </section>
      ${
        e
          ? html`<section class="card" aria-labelledby="expl-h">
              <h2 id="expl-h">${T.explanation}</h2>
              <p class="summary">${e.summary}</p>
              ${
                e.records.length
                  ? html`<ul class="explained">
                      ${e.records.map(
                        (r) => html`<li>${chip(r.color)} <strong>${r.category} ${r.name}</strong>
                          <span>（${r.effectiveFrom} – ${r.countsUntil ?? '…'}）</span>
                          <br /><small>${T.legalBasis}: ${r.legalBasis}</small>
                          ${r.remedy ? html`<br /><span class="remedy">${T.howToRepair}: ${r.remedy}</span>` : nothing}</li>`,
                      )}
                    </ul>`
                  : nothing
              }
            </section>`
          : nothing
      }
      <section class="card" aria-labelledby="tl-h"><h2 id="tl-h">${T.timeline}</h2>${this.#timeline()}</section>
      <section class="card" aria-labelledby="ch-h"><h2 id="ch-h">${T.caseHistory}</h2>${this.#caseHistory()}</section>
      <section class="card" aria-labelledby="rec-h"><h2 id="rec-h">${T.records}</h2>${this.#records()}</section>`;
  }

  override render() {
    return html`<h1>${t().partyTitle}</h1>${this.#search()}${this.#party()}${this.#dialog()}`;
  }
}

customElements.define('fc-party-view', PartyView);
