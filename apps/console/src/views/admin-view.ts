// Administration: API keys (create, list, revoke; the key shown once), the audit log with filters and
// paging, and a check of the audit chain with its head.
import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing } from 'lit';
import { cstDateTime } from '../format.js';
import { t } from '../i18n.js';
import { session } from '../session.js';
import { errorsOf, field, formStatus, idle, runForm, submit } from '../ui.js';
import { View } from '../view.js';

type Key = RouterOutputs['apiKey']['list'][number];
type Audit = RouterOutputs['audit']['list'];
type Verified = RouterOutputs['audit']['verify'];
const ROLES = ['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange', 'portal'];

class AdminView extends View {
  static override properties = {
    gen: {},
    tab: {},
    keys: { state: true },
    created: { state: true },
    revoking: { state: true },
    audit: { state: true },
    verified: { state: true },
    error: { state: true },
  };
  declare gen: number;
  declare tab: string;
  declare keys: Key[] | null;
  declare created: string;
  declare revoking: Key | null;
  declare audit: Audit | null;
  declare verified: Verified | null;
  declare error: string;
  #create = idle();
  #revoke = idle();
  #filter = idle();
  #verify = idle();
  #filters: Record<string, string> = {};
  #pages: (number | undefined)[] = [undefined];
  #loadedTab = '';

  constructor() {
    super();
    this.tab = 'keys';
    this.keys = null;
    this.created = '';
    this.revoking = null;
    this.audit = null;
    this.verified = null;
    this.error = '';
  }

  override willUpdate(): void {
    if (this.tab !== this.#loadedTab) {
      this.#loadedTab = this.tab;
      if (this.tab === 'audit') void this.#loadAudit();
      else void this.#loadKeys();
    }
  }

  async #loadKeys() {
    const s = session();
    if (!s) return;
    try {
      this.keys = await s.client.apiKey.list.query();
    } catch (err) {
      this.error = Object.values(errorsOf(err)).join('; ');
    }
  }

  async #loadAudit(form: HTMLFormElement | null = null, page = 0) {
    const s = session();
    if (!s) return;
    if (form) {
      const d = new FormData(form);
      this.#filters = Object.fromEntries(
        ['partyId', 'actorId', 'action', 'from', 'to'].flatMap((k) => {
          const v = String(d.get(k) ?? '').trim();
          return v ? [[k, v]] : [];
        }),
      );
      this.#pages = [undefined];
    }
    const before = this.#pages[page];
    await runForm(
      this,
      this.#filter,
      null,
      () =>
        s.client.audit.list.query({
          ...this.#filters,
          limit: 50,
          ...(before !== undefined ? { before } : {}),
        }),
      (a) => {
        this.audit = a;
        this.#pages = this.#pages.slice(0, page + 1);
        if (a.nextBefore !== null) this.#pages.push(a.nextBefore);
        this.#page = page;
        return '';
      },
    );
  }
  #page = 0;

  async #onCreate(e: SubmitEvent) {
    e.preventDefault();
    const s = session();
    if (!s) return;
    const form = e.target as HTMLFormElement;
    const d = new FormData(form);
    const opt = (k: string) => {
      const v = String(d.get(k) ?? '').trim();
      return v ? { [k]: v } : {};
    };
    this.created = '';
    const r = await runForm(
      this,
      this.#create,
      form,
      () =>
        s.client.apiKey.create.mutate({
          role: String(d.get('role')) as 'clerk',
          name: String(d.get('name') ?? '').trim(),
          ...opt('org'),
          ...opt('court'),
        }),
      (k) => `${t().keyCreated} (${k.id})`,
    );
    if (r) {
      this.created = r.key;
      await this.#loadKeys();
    }
  }

  async #onRevoke(e: SubmitEvent) {
    e.preventDefault();
    const s = session();
    const k = this.revoking;
    if (!s || !k) return;
    const r = await runForm(
      this,
      this.#revoke,
      null,
      () => s.client.apiKey.revoke.mutate({ id: k.id }),
      () => `${t().keyRevoked}: ${k.name}`,
    );
    if (r !== undefined) {
      this.querySelector<HTMLDialogElement>('dialog')?.close();
      this.revoking = null;
      await this.#loadKeys();
    }
  }

  async #onVerify() {
    const s = session();
    if (!s) return;
    this.verified = null;
    await runForm(
      this,
      this.#verify,
      null,
      () => s.client.audit.verify.query(),
      (v) => {
        this.verified = v;
        return v.ok ? t().chainOk : t().chainBroken(v.mismatchCount);
      },
    );
  }

  #keys() {
    const T = t();
    const st = this.#create;
    const text = (name: string, label: string, required = false) =>
      field(
        'key',
        st,
        name,
        label,
        (a) => html`<input id=${a.id} name=${name} ?required=${required}
        aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
      );
    return html`<section class="card" aria-labelledby="newkey-h">
        <h2 id="newkey-h">${T.createKey}</h2>
        <form id="key" class="grid" @submit=${this.#onCreate} novalidate>
          ${field(
            'key',
            st,
            'role',
            T.role,
            (a) => html`<select id=${a.id} name="role" aria-describedby=${a.describedby}
            aria-invalid=${a.invalid ? 'true' : 'false'}>${ROLES.map((r) => html`<option value=${r}>${T.roles[r]} (${r})</option>`)}</select>`,
          )}
          ${text('name', T.keyName, true)} ${text('org', `${T.keyOrg}（${T.optional}）`)}
          ${text('court', `${T.court}（浙0212）`)}
          <div class="span">${formStatus(st)} ${submit(st, T.createKey)}</div>
        </form>
        ${
          this.created
            ? html`<div class="secret" role="alert">
                <p><strong>${T.keyCreated}</strong></p>
                <p><code data-testid="new-key">${this.created}</code>
                  <button type="button" class="small" @click=${async (e: Event) => {
                    await navigator.clipboard?.writeText(this.created).catch(() => {});
                    (e.target as HTMLButtonElement).textContent = T.copied;
                  }}>${T.copy}</button></p>
              </div>`
            : nothing
        }
      </section>
      <section class="card" aria-labelledby="keys-h">
        <h2 id="keys-h">${T.keysTitle}</h2>
        ${this.error ? html`<p class="form-error" role="alert">${this.error}</p>` : nothing}
        ${
          this.keys
            ? html`<div class="table-wrap" tabindex="0" role="region" aria-label=${T.keysTitle}><table>
                <thead><tr><th scope="col">ID</th><th scope="col">${T.keyName}</th><th scope="col">${T.keyOrg}</th>
                  <th scope="col">${T.role}</th><th scope="col">${T.court}</th><th scope="col">${T.created}</th>
                  <th scope="col">${T.status}</th><th scope="col">${T.actions}</th></tr></thead>
                <tbody>${this.keys.map(
                  (k) => html`<tr class=${k.revokedAt ? 'revoked' : ''}>
                    <td><code>${k.id}</code></td><td>${k.name}</td><td>${k.org}</td><td>${T.roles[k.role] ?? k.role}</td>
                    <td>${k.court ?? '—'}</td><td>${cstDateTime(k.createdAt)}</td>
                    <td>${k.revokedAt ? `${T.revoked} ${cstDateTime(k.revokedAt)}` : T.statusActive}</td>
                    <td>${
                      k.revokedAt || k.id === session()?.who.id
                        ? '—'
                        : html`<button type="button" class="small danger" aria-label=${`${T.revokeKey} ${k.name}`}
                            @click=${() => {
                              this.revoking = k;
                              this.#revoke = idle();
                              this.updateComplete.then(() =>
                                this.querySelector<HTMLDialogElement>('dialog')?.showModal(),
                              );
                            }}>${T.revokeKey}</button>`
                    }</td>
                  </tr>`,
                )}</tbody>
              </table></div>`
            : html`<p aria-busy="true">${T.loading}</p>`
        }
      </section>
      ${
        this.revoking
          ? html`<dialog aria-labelledby="revoke-h" @close=${() => {
              this.revoking = null;
            }}>
              <form method="dialog" @submit=${this.#onRevoke}>
                <h2 id="revoke-h">${T.revokeKey}: ${this.revoking.name}</h2>
                <p><code>${this.revoking.id}</code> · ${T.roles[this.revoking.role]} · ${this.revoking.court ?? ''}</p>
                ${formStatus(this.#revoke)}
                <div class="buttons">${submit(this.#revoke, T.revokeKey)}
                  <button type="button" @click=${() => this.querySelector<HTMLDialogElement>('dialog')?.close()}>${T.cancel}</button></div>
              </form>
            </dialog>`
          : nothing
      }`;
  }

  #audit() {
    const T = t();
    const st = this.#filter;
    const f = this.#filters;
    const input = (name: string, label: string, type = 'text') =>
      field(
        'audit',
        st,
        name,
        label,
        (a) => html`<input id=${a.id} name=${name} type=${type} .value=${f[name] ?? ''}
        aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
      );
    const v = this.verified;
    const a = this.audit;
    return html`<section class="card" aria-labelledby="chain-h">
        <h2 id="chain-h">${T.verifyChain}</h2>
        <button type="button" @click=${this.#onVerify} ?disabled=${this.#verify.busy}>${this.#verify.busy ? T.busy : T.verifyChain}</button>
        ${formStatus(this.#verify)}
        ${
          v
            ? html`<div class=${v.ok ? 'result ok' : 'result bad'} data-testid="chain">
                <p><strong><span aria-hidden="true">${v.ok ? '✓' : '✖'}</span> ${v.ok ? T.chainOk : T.chainBroken(v.mismatchCount)}</strong></p>
                <dl class="meta">
                  <div><dt>${T.chainHead}</dt><dd>seq ${v.head.seq} · <code class="hash">${v.head.hash}</code></dd></div>
                  <div><dt>${T.checkpoint}</dt><dd>${v.checkpoint ? html`seq ${v.checkpoint.seq} · ${cstDateTime(v.checkpoint.at)} · <a href="/.well-known/fivecolor-audit-head">fivecolor-audit-head</a>` : '—'}</dd></div>
                  <div><dt>${T.rows}</dt><dd>${v.counts.auditRows}</dd></div>
                </dl>
                ${v.mismatches.length ? html`<ul>${v.mismatches.map((m) => html`<li>${m.table} ${m.id}: ${m.what}</li>`)}</ul>` : nothing}
              </div>`
            : nothing
        }
      </section>
      <section class="card" aria-labelledby="audit-h">
        <h2 id="audit-h">${T.auditTitle}</h2>
        <form id="audit" class="inline" @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          void this.#loadAudit(e.target as HTMLFormElement);
        }} novalidate>
          ${input('partyId', T.party)} ${input('actorId', T.actor)} ${input('action', T.action)}
          ${input('from', T.from, 'date')} ${input('to', T.to, 'date')}
          ${submit(st, T.filter)}
        </form>
        ${formStatus(st)}
        ${
          a
            ? html`<div class="table-wrap" tabindex="0" role="region" aria-label=${T.auditTitle}><table class="audit">
                  <thead><tr><th scope="col">seq</th><th scope="col">${T.time}</th><th scope="col">${T.action}</th>
                    <th scope="col">${T.actor}</th><th scope="col">${T.role}</th><th scope="col">${T.party}</th>
                    <th scope="col">${T.target}</th><th scope="col">${T.purpose}</th></tr></thead>
                  <tbody>${a.items.map(
                    (r) => html`<tr><td>${r.seq}</td><td>${cstDateTime(r.at)}</td><td>${r.action}</td>
                      <td><code>${r.actorId ?? ''}</code> ${r.actorOrg ?? ''}</td><td>${r.actorRole}</td>
                      <td>${r.partyId ? html`<a href=${`#/party/${r.partyId}`}>${r.partyId}</a>` : '—'}</td>
                      <td>${r.target ?? ''}</td><td>${r.purpose ?? ''}</td></tr>`,
                  )}</tbody>
                </table></div>
                <nav class="pager" aria-label=${T.auditTitle}>
                  <button type="button" ?disabled=${this.#page === 0} @click=${() => this.#loadAudit(null, 0)}>${T.firstPage}</button>
                  <button type="button" ?disabled=${this.#page === 0} @click=${() => this.#loadAudit(null, this.#page - 1)}>${T.prevPage}</button>
                  <span>${this.#page + 1}</span>
                  <button type="button" ?disabled=${this.#pages.length <= this.#page + 1} @click=${() => this.#loadAudit(null, this.#page + 1)}>${T.nextPage}</button>
                </nav>`
            : nothing
        }
      </section>`;
  }

  override render() {
    const T = t();
    return html`<h1>${T.adminTitle}</h1>
      <nav class="tabs" aria-label=${T.adminTitle}>
        <a href="#/admin/keys" aria-current=${this.tab === 'keys' ? 'page' : 'false'}>${T.keysTitle}</a>
        <a href="#/admin/audit" aria-current=${this.tab === 'audit' ? 'page' : 'false'}>${T.auditTitle}</a>
      </nav>
      ${this.tab === 'audit' ? this.#audit() : this.#keys()}`;
  }
}

customElements.define('fc-admin-view', AdminView);
