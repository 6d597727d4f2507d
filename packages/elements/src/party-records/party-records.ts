import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing } from 'lit';
import type { PortalStrings } from '../locales/portal-strings.js';
import { strings } from '../locales/strings.js';
import { baseStyles, colorStyles, isColor } from '../shared/colors.js';
import { formatWhen } from '../shared/format.js';
import { icon } from '../shared/icons.js';
import { portalStyles } from '../shared/portal.styles.js';
import { newKey, PortalElement, type Said } from '../shared/portal-element.js';
import type { Color } from '../types.js';
import { partyRecordsStyles } from './party-records.styles.js';
import { recordStatus } from './record-status.js';
import { type Segment, sizeBand, timelineBand } from './timeline-band.js';

type PartyData = RouterOutputs['party']['get'];
type RecordItem = PartyData['records'][number];
type Objection = RouterOutputs['objection']['list']['items'][number];
type Category = { code: string; zh: string; en: string; basis: string };

/**
 * "My records" for a litigant signed in to the court's online-service portal: the code today and
 * why (the plain-language explanation), the color timeline as a band over the years, and every
 * record with its category, legal basis, court, case number, term, status (active, repaired,
 * expired, under objection, archived) and source. Each record can be objected to (异议) with a
 * written reason (`objection.file`); the due date shows after filing, the decision and its reason
 * once the court has resolved it (`objection.list`).
 *
 * Takes the API base URL as `api` and the party session as the `.session` property (never an
 * attribute). A refused session (expired, revoked, another court's) is said in words and announced
 * with `fivecolor-session-expired`; setting a new `.session` recovers, and an objection the refused
 * session was submitted with is then filed with the reason typed.
 *
 * @summary The litigant's own records, timeline and objections.
 * @tag fivecolor-party-records
 *
 * @csspart base - The card (`<section>`).
 * @csspart code - The code today: icon, color in words, meaning.
 * @csspart explanation - Why this color, in plain language.
 * @csspart timeline - The color band (an ordered list of colored blocks).
 * @csspart records - The list of records.
 * @csspart record - One record.
 * @csspart button - Every button.
 * @csspart input - The objection reason.
 * @csspart notice - A confirmation or failure (`role="status"`).
 * @csspart session - The notice that the session is missing or refused.
 *
 * @cssproperty --fivecolor-green - Green (default #2e7d32); also red, yellow, blue, gold and on-{color} for text.
 * @cssproperty --fivecolor-button - Button background (default #0b57d0).
 * @cssproperty --fivecolor-on-button - Button text (default #ffffff).
 * @cssproperty --fivecolor-error - Error text and borders (default #b3261e).
 * @cssproperty --fivecolor-border - Borders (default #c4c4c4).
 *
 * @event fivecolor-load - The records were shown; `detail: { color, records }` (the count).
 * @event fivecolor-objection-filed - An objection was filed; `detail: { objectionId, recordId, dueDate }`.
 * @event fivecolor-session-expired - The session was refused; get a new one and set `.session`.
 *
 * @example
 * ```html
 * <fivecolor-party-records id="records" api="https://court.example"></fivecolor-party-records>
 * <script type="module">document.querySelector('#records').session = sessionToken;</script>
 * ```
 */
export class FivecolorPartyRecords extends PortalElement {
  static override styles = [baseStyles, colorStyles, portalStyles, partyRecordsStyles];

  static override properties = {
    ...PortalElement.properties,
    _data: { state: true, attribute: false },
    _segments: { state: true, attribute: false },
    _objections: { state: true, attribute: false },
    _categories: { state: true, attribute: false },
    _failure: { state: true, attribute: false },
    _open: { state: true, attribute: false },
    _busy: { state: true, attribute: false },
    _error: { state: true, attribute: false },
    _notice: { state: true, attribute: false },
  };

  declare private _data: PartyData | undefined;
  declare private _segments: Segment[];
  declare private _objections: Objection[];
  declare private _categories: Map<string, Category>;
  declare private _failure: Said | undefined;
  declare private _open: string | undefined;
  declare private _busy: boolean;
  declare private _error: Said | undefined;
  declare private _notice: { recordId: string; say: Said; ok: boolean } | undefined;

  #key: string | undefined;
  #loads = 0;
  /** The reason typed in the open form: kept while the form is gone (a refused session) and back. */
  #reason = '';
  /** The record whose objection the session refused: filed once a new session for the party is set. */
  #refiled: string | undefined;

  constructor() {
    super();
    this._segments = [];
    this._objections = [];
    this._categories = new Map();
    this._failure = undefined;
    this._busy = false;
    this._error = undefined;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed as never);
    // The explanation comes in the element's language.
    if (changed.has('lang') && changed.get('lang') !== undefined && this.client) this.reload();
    // The session was renewed after refusing an objection: it is filed now, with the reason typed.
    const refiled = this.#refiled;
    if (changed.has('session') && refiled && this.client) {
      this.#refiled = undefined;
      this.#file(refiled);
    }
  }

  protected override updated(): void {
    sizeBand(this.renderRoot);
  }

  protected override clear(): void {
    this.#loads++;
    this._data = undefined;
    this._segments = [];
    this._objections = [];
    this._failure = undefined;
    this._open = undefined;
    this._error = undefined;
    this._notice = undefined;
    this.#reason = '';
    this.#refiled = undefined;
  }

  protected override async reload(): Promise<void> {
    const load = ++this.#loads;
    const lang = this.t.lang;
    const out = await this.call((c, partyId) =>
      Promise.all([
        c.party.get.query({ partyId, lang }),
        c.party.timeline.query({ partyId }),
        c.objection.list.query({ limit: 200 }),
        this._categories.size ? Promise.resolve(null) : c.policy.get.query(),
      ]),
    );
    if (load !== this.#loads) return;
    if (!out.ok) {
      this._failure = this.failure(out);
      return;
    }
    const [data, timeline, objections, policy] = out.value;
    this._failure = undefined;
    this._data = data;
    this._segments = timeline.segments.filter((s) => isColor(s.color)) as Segment[];
    this._objections = objections.items;
    if (policy)
      this._categories = new Map(
        (policy as { categories: Category[] }).categories.map((c) => [c.code, c] as const),
      );
    this.dispatchEvent(
      new CustomEvent('fivecolor-load', {
        bubbles: true,
        composed: true,
        detail: { color: data.classification.color, records: data.records.length },
      }),
    );
  }

  protected override render() {
    const t = this.t;
    return html`<section part="base" class="card" lang=${t.lang} aria-labelledby="records-title">
      <h2 id="records-title">${t.recordsTitle}</h2>
      ${this.sessionNotice()}${this._refused || !this.session ? nothing : this.#content(t)}
    </section>`;
  }

  #content(t: PortalStrings) {
    if (this._failure)
      return html`<p part="notice" class="notice bad" role="status">${this._failure(t)}</p>
        <button part="button" type="button" class="secondary" @click=${() => this.reload()}>${t.retry}</button>`;
    const d = this._data;
    if (!d) return html`<p role="status" aria-busy="true">${t.loading}</p>`;
    const base = strings(this.lang);
    const c = d.classification;
    const color = c.color as Color;
    const today = c.asOf;
    return html`<div part="code" class="code" data-color=${color}>
        ${icon(color)}<span>${base.colors[color]}</span><span class="meaning">${base.meanings[color]}</span>
      </div>
      ${this.#explanation(t, d)}
      <h3>${t.timelineTitle}</h3>
      ${timelineBand(this._segments, today, t, base.colors)}
      <h3>${t.recordsTitle}</h3>
      ${
        d.records.length === 0
          ? html`<p>${t.noRecords}</p>`
          : html`<ul part="records" class="records">
              ${d.records.map((r) => this.#record(t, r, d.records, today))}
            </ul>`
      }`;
  }

  #explanation(t: PortalStrings, d: PartyData) {
    const e = d.explanation;
    if (!e) return nothing;
    return html`<div part="explanation" class="explanation">
      <p><strong>${t.explanation}${t.colon}</strong>${e.summary}</p>
      ${
        e.records.length
          ? html`<ul>
              ${e.records.map((r) => html`<li>${r.category} ${r.name}${r.remedy ? html` — ${r.remedy}` : nothing}</li>`)}
            </ul>`
          : nothing
      }
    </div>`;
  }

  #latestObjection(recordId: string): Objection | undefined {
    return this._objections.find((o) => o.recordId === recordId);
  }

  #record(t: PortalStrings, r: RecordItem, all: RecordItem[], today: string) {
    const cat = this._categories.get(r.category);
    const name = cat ? (t.lang === 'en' ? cat.en : cat.zh) : '';
    const status = recordStatus(r, all, today);
    const color = isColor(r.color) ? r.color : undefined;
    const o = this.#latestObjection(r.recordId);
    const canObject = status !== 'revoked' && status !== 'archived' && status !== 'objected';
    const id = r.recordId;
    const open = this._open === id;
    const notice = this._notice?.recordId === id ? this._notice : undefined;
    return html`<li part="record" class="record" data-status=${status}>
      <h4 id=${`h-${id}`}>
        ${color ? html`<span class="swatch" data-color=${color} aria-hidden="true"></span>` : nothing}${r.category} ${name}
      </h4>
      <dl>
        <dt>${t.legalBasis}</dt><dd>${cat?.basis ?? ''}</dd>
        <dt>${t.court}</dt><dd>${r.court}</dd>
        <dt>${t.caseNumber}</dt><dd>${r.caseNumber}</dd>
        <dt>${t.term}</dt><dd class="mono">${r.effectiveFrom} – ${r.effectiveUntil ?? t.indefinite}</dd>
        <dt>${t.status}</dt><dd><strong class="status">${t.statuses[status]}</strong></dd>
        <dt>${t.source}</dt><dd>${t.sources[r.source] ?? r.source}</dd>
      </dl>
      ${o ? this.#objection(t, o) : nothing}
      <p part="notice" id=${`n-${id}`} class=${`notice ${notice?.ok ? 'ok' : 'bad'}`} role="status"
        tabindex="-1">${notice?.say(t) ?? ''}</p>
      ${
        canObject && !open
          ? html`<button part="button" type="button" class="secondary" id=${`o-${id}`} aria-label=${t.objectFor(r.caseNumber)}
              aria-expanded="false" @click=${() => this.#openForm(id)}>${t.object}</button>`
          : nothing
      }
      ${open ? this.#form(t, r) : nothing}
    </li>`;
  }

  #objection(t: PortalStrings, o: Objection) {
    if (o.status === 'open')
      return html`<p class="objection">${t.objectionOpen(formatWhen(o.filedAt).slice(0, 10), o.dueDate)}${
        o.overdue ? html` (${t.objectionOverdue})` : nothing
      }</p>`;
    const res = o.resolution;
    const decided = t.decisions[o.status];
    return html`<div class="objection">
      <p><strong>${t.decisionOn(decided, formatWhen(res?.resolvedAt ?? '').slice(0, 10))}</strong></p>
      ${res?.reason ? html`<p>${t.decisionReason}${t.colon}${res.reason}</p>` : nothing}
      <p class="about">${t.yourReason}${t.colon}${o.reason}</p>
    </div>`;
  }

  #openForm(recordId: string): void {
    this._open = recordId;
    this._error = undefined;
    this._notice = undefined;
    this.#key = undefined;
    this.#reason = '';
    this.updateComplete.then(() => this.renderRoot.querySelector<HTMLTextAreaElement>('#reason')?.focus());
  }

  #form(t: PortalStrings, r: RecordItem) {
    const id = r.recordId;
    return html`<form class="objection-form" novalidate aria-labelledby=${`h-${id}`} @submit=${(e: SubmitEvent) => this.#submit(e, id)}>
      <div class="field">
        <label for="reason">${t.objectionReason}</label>
        <textarea part="input" id="reason" name="reason" rows="4" maxlength="2000"
          aria-invalid=${this._error ? 'true' : 'false'} aria-describedby="reason-hint reason-error"
          .value=${this.#reason} @input=${(e: InputEvent) => {
            this.#reason = (e.target as HTMLTextAreaElement).value;
            this.#key = undefined;
          }}></textarea>
        <span id="reason-hint" class="hint">${t.objectionHint}</span>
        <span id="reason-error" class="error">${this._error?.(t) ?? ''}</span>
      </div>
      <div class="actions">
        <button part="button" type="submit" ?disabled=${this._busy}>${this._busy ? t.submitting : t.submitObjection}</button>
        <button part="button" type="button" class="secondary" ?disabled=${this._busy} @click=${() => {
          this._open = undefined;
          this.keepFocus(`o-${id}`);
        }}>${t.cancel}</button>
      </div>
    </form>`;
  }

  #submit(event: SubmitEvent, recordId: string): void {
    event.preventDefault();
    this.#file(recordId);
  }

  async #file(recordId: string): Promise<void> {
    if (this._busy) return;
    const field = () => this.renderRoot.querySelector<HTMLTextAreaElement>('#reason');
    const reason = this.#reason.trim();
    if (!reason) {
      this._error = (t) => t.required(t.objectionReason);
      field()?.focus();
      return;
    }
    this._error = undefined;
    this._busy = true;
    this.#key ??= newKey();
    const idempotencyKey = this.#key;
    const out = await this.call((c) => c.objection.file.mutate({ recordId, reason, idempotencyKey }));
    this._busy = false;
    if (!out.ok) {
      if (out.reason === 'input' && out.field === 'reason') {
        const message = out.message;
        this._error = () => message;
        field()?.focus();
      } else if (out.reason === 'input' && out.field === 'recordId') {
        // Filed meanwhile from elsewhere, or the record revoked: show the record as it is now.
        this.#key = undefined;
        this._open = undefined;
        this._notice = { recordId, say: (t) => t.recordChanged, ok: false };
        await this.reload();
        this.keepFocus(`n-${recordId}`);
      } else if (out.reason === 'session') {
        // Refused: the portal is asked for a new session (`fivecolor-session-expired`); filed with it.
        if (this._refused) this.#refiled = recordId;
      } else this._notice = { recordId, say: this.failure(out), ok: false };
      return;
    }
    this.#key = undefined;
    this.#reason = '';
    this._open = undefined;
    const dueDate = out.value.dueDate;
    this._notice = { recordId, say: (t) => t.objectionFiled(dueDate), ok: true };
    this.dispatchEvent(
      new CustomEvent('fivecolor-objection-filed', {
        bubbles: true,
        composed: true,
        detail: { objectionId: out.value.objectionId, recordId, dueDate },
      }),
    );
    await this.reload();
    // The submit button is gone with the form: the keyboard's place is the confirmation.
    this.keepFocus(`n-${recordId}`);
  }
}
