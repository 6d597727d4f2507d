// The shell: header (who, language, sign-out), navigation by role, hash routing, the live region.
import { html, nothing, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { lang, setLang, t } from './i18n.js';
import { resume, STAFF, session, signIn, signOut } from './session.js';
import { errorsOf, field, formStatus, idle, submit } from './ui.js';
import { View } from './view.js';
import './views/admin-view.js';
import './views/objections-view.js';
import './views/party-view.js';
import './views/screen-view.js';
import './views/stats-view.js';

/** A route: `#/party/pty_…` → `{ name: 'party', arg: 'pty_…', query }`. */
export interface Route {
  name: string;
  arg: string;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', q = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name = '', ...rest] = path.split('/');
  return { name, arg: decodeURIComponent(rest.join('/')), query: new URLSearchParams(q) };
}

const HOME: Record<string, string> = {
  admin: 'admin',
  clerk: 'screen',
  judge: 'party',
  enforcement: 'party',
};

class ConsoleApp extends View {
  static override properties = { route: { state: true }, message: { state: true } };
  declare route: Route;
  declare message: string;
  #signin = idle();
  #generation = 0;

  constructor() {
    super();
    this.route = parseRoute(location.hash);
    this.message = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', () => {
      this.route = parseRoute(location.hash);
    });
    window.addEventListener('fc-session', (e) => {
      // A new key or none: every view is made anew, so nothing of the last one stays on screen.
      this.#generation++;
      const reason = (e as CustomEvent<string | undefined>).detail;
      this.#signin.errors = reason ? { '': reason } : {};
      this.requestUpdate();
    });
    window.addEventListener('fc-toast', (e) => {
      this.message = (e as CustomEvent<string>).detail;
    });
    document.addEventListener('keydown', (e) => {
      const target = e.target as HTMLElement;
      if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && !target.isContentEditable) {
        // `/` goes to the party search from any view.
        e.preventDefault();
        const focus = () => document.querySelector<HTMLInputElement>('[data-search]')?.focus();
        if (document.querySelector('[data-search]')) focus();
        else if (session()) {
          location.hash = '#/party';
          setTimeout(focus, 50);
        }
      }
    });
    setLang(lang());
    resume().catch(() => {});
  }

  async #signIn(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const key = String(new FormData(form).get('apiKey') ?? '').trim();
    if (!key) {
      this.#signin.errors = { apiKey: `${t().apiKey}: ${t().required}` };
      this.requestUpdate();
      return;
    }
    this.#signin.busy = true;
    this.#signin.errors = {};
    this.requestUpdate();
    try {
      const s = await signIn(key);
      form.reset();
      const home = HOME[s.who.role];
      if (home && !this.route.name) location.hash = `#/${home}`;
    } catch (err) {
      const errs = errorsOf(err);
      this.#signin.errors = { apiKey: errs[''] ?? Object.values(errs).join('; ') };
    } finally {
      this.#signin.busy = false;
      this.requestUpdate();
    }
  }

  #header(): TemplateResult {
    const s = session();
    const T = t();
    const staff = s && (STAFF as readonly string[]).includes(s.who.role);
    const role = s?.who.role ?? '';
    const links: [string, string, boolean][] = [
      ['screen', T.navScreen, role !== 'admin'],
      ['party', T.navParty, true],
      ['objections', T.navObjections, true],
      ['stats', T.navStats, true],
      ['admin', T.navAdmin, role === 'admin'],
    ];
    return html`<header class="top">
      <div class="brand">
        <span class="logo" aria-hidden="true">◆</span>
        <div><strong>${T.appTitle}</strong><br /><small>${T.appSubtitle}</small></div>
      </div>
      ${
        staff
          ? html`<nav aria-label=${T.nav}>
              <ul>
                ${links
                  .filter(([, , show]) => show)
                  .map(
                    ([name, label]) =>
                      html`<li><a href=${`#/${name}`} aria-current=${this.route.name === name ? 'page' : 'false'}>${label}</a></li>`,
                  )}
              </ul>
            </nav>`
          : nothing
      }
      <div class="who">
        ${
          s
            ? html`<span class="who-id" data-testid="who">
                  <span class="visually-hidden">${T.signedInAs}: </span><strong>${s.who.name}</strong>
                  · ${T.roles[s.who.role] ?? s.who.role} · ${T.court} ${s.who.court ?? T.noCourt}
                </span>
                <button type="button" class="link" @click=${() => signOut()}>${T.signOut}</button>`
            : nothing
        }
        <button type="button" class="link" lang=${lang() === 'en' ? 'zh-CN' : 'en'}
          @click=${() => setLang(lang() === 'en' ? 'zh-CN' : 'en')}>${T.langSwitch}</button>
      </div>
    </header>`;
  }

  #signInView(): TemplateResult {
    const T = t();
    const st = this.#signin;
    return html`<section class="card narrow" aria-labelledby="signin-h">
      <h1 id="signin-h">${T.signInTitle}</h1>
      <p class="help">${T.signInHelp}</p>
      <form id="signin" @submit=${this.#signIn} novalidate>
        ${field(
          'signin',
          st,
          'apiKey',
          T.apiKey,
          (a) => html`<input id=${a.id} name="apiKey" type="password"
          autocomplete="off" spellcheck="false" placeholder="fck_…" required aria-invalid=${a.invalid ? 'true' : 'false'}
          aria-describedby=${a.describedby} />`,
        )}
        ${formStatus(st)} ${submit(st, T.signIn)}
      </form>
    </section>`;
  }

  #main(): TemplateResult {
    const s = session();
    if (!s) return this.#signInView();
    const T = t();
    if (!(STAFF as readonly string[]).includes(s.who.role))
      return html`<section class="card narrow"><h1>${T.appTitle}</h1>
        <p role="alert" class="notice">${T.notCourtStaff(T.roles[s.who.role] ?? s.who.role)}</p></section>`;
    const r = this.route;
    const name = r.name || HOME[s.who.role] || 'party';
    // Keyed by the session generation: a new key starts every view afresh.
    const g = this.#generation;
    switch (name) {
      case 'screen':
        return html`<fc-screen-view .gen=${g} .caseNumber=${r.query.get('case') ?? ''}></fc-screen-view>`;
      case 'party':
        return html`<fc-party-view .gen=${g} .partyId=${r.arg}></fc-party-view>`;
      case 'objections':
        return html`<fc-objections-view .gen=${g}></fc-objections-view>`;
      case 'stats':
        return html`<fc-stats-view .gen=${g}></fc-stats-view>`;
      case 'admin':
        return html`<fc-admin-view .gen=${g} .tab=${r.arg || 'keys'}></fc-admin-view>`;
      default:
        return html`<section class="card"><h1>${T.notFound}</h1></section>`;
    }
  }

  override render(): TemplateResult {
    return html`<a class="skip" href="#main" @click=${(e: Event) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>${t().skip}</a>
      ${this.#header()}
      <main id="main" tabindex="-1">${keyed(this.#generation, this.#main())}</main>
      <div class="toast" role="status" aria-live="polite">${this.message}</div>`;
  }
}

customElements.define('fc-app', ConsoleApp);
