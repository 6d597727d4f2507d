// Objections (异议): the queue of open and overdue objections with their due dates; resolve with a reason.
import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing } from 'lit';
import { cstDateTime } from '../format.js';
import { t } from '../i18n.js';
import { may, session } from '../session.js';
import { errorsOf, field, formStatus, idle, runForm, submit } from '../ui.js';
import { View } from '../view.js';

type Item = RouterOutputs['objection']['list']['items'][number];
type Status = 'open' | 'overdue' | 'resolved';

class ObjectionsView extends View {
  static override properties = {
    gen: {},
    status: { state: true },
    items: { state: true },
    next: { state: true },
    target: { state: true },
    error: { state: true },
  };
  declare gen: number;
  declare status: Status;
  declare items: Item[] | null;
  declare next: string | null;
  declare target: Item | null;
  declare error: string;
  #resolve = idle();

  constructor() {
    super();
    this.status = 'open';
    this.items = null;
    this.next = null;
    this.target = null;
    this.error = '';
  }

  override firstUpdated(): void {
    void this.#load();
  }

  async #load(more = false) {
    const s = session();
    if (!s) return;
    this.error = '';
    try {
      const page = await s.client.objection.list.query({
        status: this.status,
        limit: 50,
        ...(more && this.next ? { cursor: this.next } : {}),
      });
      this.items = more ? [...(this.items ?? []), ...page.items] : page.items;
      this.next = page.nextCursor ?? null;
    } catch (err) {
      this.error = Object.values(errorsOf(err)).join('; ');
    }
  }

  #open(item: Item) {
    this.target = item;
    this.#resolve = idle();
    this.updateComplete.then(() => this.querySelector<HTMLDialogElement>('dialog')?.showModal());
  }

  #close = () => {
    this.querySelector<HTMLDialogElement>('dialog')?.close();
    this.target = null;
  };

  async #onResolve(e: SubmitEvent) {
    e.preventDefault();
    const s = session();
    const o = this.target;
    if (!s || !o) return;
    const form = e.target as HTMLFormElement;
    const d = new FormData(form);
    const r = await runForm(
      this,
      this.#resolve,
      form,
      () =>
        s.client.objection.resolve.mutate({
          objectionId: o.objectionId,
          decision: String(d.get('decision')) as 'upheld' | 'rejected',
          reason: String(d.get('reason') ?? '').trim(),
        }),
      () => t().resolved,
    );
    if (r) {
      this.#close();
      await this.#load();
    }
  }

  #dialog() {
    const o = this.target;
    if (!o) return nothing;
    const T = t();
    const st = this.#resolve;
    return html`<dialog aria-labelledby="res-h" @close=${() => {
      this.target = null;
    }}>
      <form method="dialog" id="resolve" @submit=${this.#onResolve} novalidate>
        <h2 id="res-h">${T.resolve}: <a href=${`#/party/${o.partyId}`}>${o.recordId}</a></h2>
        <p class="help">${T.reason}: ${o.reason}</p>
        <fieldset>
          <legend>${T.decision}</legend>
          <label class="check"><input type="radio" name="decision" value="rejected" checked /> ${T.rejected}</label>
          <label class="check"><input type="radio" name="decision" value="upheld" /> ${T.upheld}</label>
        </fieldset>
        ${field(
          'resolve',
          st,
          'reason',
          T.reason,
          (a) => html`<textarea id=${a.id} name="reason" rows="3" required
          aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby}></textarea>`,
        )}
        ${formStatus(st)}
        <div class="buttons">${submit(st, T.confirm)}<button type="button" @click=${this.#close}>${T.cancel}</button></div>
      </form>
    </dialog>`;
  }

  override render() {
    const T = t();
    const canResolve = may('resolve');
    const statuses: [Status, string][] = [
      ['open', T.statusOpen],
      ['overdue', T.statusOverdue],
      ['resolved', T.statusResolved],
    ];
    return html`<h1>${T.objectionsTitle}</h1>
      <section class="card" aria-labelledby="obj-h">
        <h2 id="obj-h" class="visually-hidden">${T.objectionsTitle}</h2>
        <p class="help">${T.objectionsHelp}</p>
        <form class="inline" @change=${(e: Event) => {
          this.status = (e.target as HTMLSelectElement).value as Status;
          void this.#load();
        }}>
          <div class="field"><label for="obj-status">${T.filter}</label>
            <select id="obj-status" name="status">
              ${statuses.map(([v, l]) => html`<option value=${v} ?selected=${v === this.status}>${l}</option>`)}
            </select></div>
        </form>
        ${this.error ? html`<p class="form-error" role="alert">${this.error}</p>` : nothing}
        ${
          this.items === null
            ? html`<p aria-busy="true">${T.loading}</p>`
            : this.items.length === 0
              ? html`<p>${T.nothing}</p>`
              : html`<div class="table-wrap" tabindex="0" role="region" aria-label=${T.objectionsTitle}><table>
                  <thead><tr><th scope="col">${T.filedAt}</th><th scope="col">${T.dueDate}</th><th scope="col">${T.party}</th>
                    <th scope="col">${T.record}</th><th scope="col">${T.reason}</th><th scope="col">${T.status}</th>
                    ${canResolve ? html`<th scope="col">${T.actions}</th>` : nothing}</tr></thead>
                  <tbody>${this.items.map(
                    (o) => html`<tr class=${o.overdue ? 'overdue' : ''}>
                      <td>${cstDateTime(o.filedAt)}</td>
                      <td>${o.dueDate}${o.overdue ? html` <strong class="flag"><span aria-hidden="true">⚠</span> ${T.overdue}</strong>` : nothing}</td>
                      <td><a href=${`#/party/${o.partyId}`}>${o.partyId}</a></td>
                      <td><code>${o.recordId}</code></td>
                      <td>${o.reason}</td>
                      <td>${o.resolution ? `${o.resolution.decision === 'upheld' ? T.upheld : T.rejected}: ${o.resolution.reason}` : T.statusOpen}</td>
                      ${
                        canResolve
                          ? html`<td>${
                              o.status === 'open'
                                ? html`<button type="button" class="small" @click=${() => this.#open(o)}
                              aria-label=${`${T.resolve} ${o.recordId}`}>${T.resolve}</button>`
                                : '—'
                            }</td>`
                          : nothing
                      }
                    </tr>`,
                  )}</tbody>
                </table></div>
                ${this.next ? html`<button type="button" @click=${() => this.#load(true)}>${T.more}</button>` : nothing}`
        }
      </section>
      ${this.#dialog()}`;
  }
}

customElements.define('fc-objections-view', ObjectionsView);
