// What every view shares: running a form (busy, field errors, success message, reset), the color chip,
// and the toast live region.
import { FivecolorError } from '@fivecolor/client';
import { html, type TemplateResult } from 'lit';
import { t } from './i18n.js';
import { signOut } from './session.js';

/** The state of one form: busy while its request runs, errors by field ('' for the form), and its last success. */
export interface FormState {
  busy: boolean;
  errors: Record<string, string>;
  done: string;
}

export const idle = (): FormState => ({ busy: false, errors: {}, done: '' });

/** Announces `message` in the page's live region. */
export function toast(message: string): void {
  window.dispatchEvent(new CustomEvent('fc-toast', { detail: message }));
}

/** The message for an error the API (or the network) gave, split by field when the API named one. */
export function errorsOf(err: unknown): Record<string, string> {
  if (err instanceof FivecolorError) {
    if (err.code === 'UNAUTHORIZED') {
      // The view is gone once signed out: the sign-in page says why.
      signOut(t().errorAuth);
      return { '': t().errorAuth };
    }
    if (err.code === 'NETWORK_ERROR' || err.transient) return { '': t().errorNetwork };
    if (err.code === 'FORBIDDEN' && !err.message) return { '': t().errorForbidden };
    // A refusal names its field too (`court: this key writes only for …`): shown beside it.
    const issues = err.issues.length ? err.issues : [{ field: err.field, message: err.message }];
    const out: Record<string, string> = {};
    for (const issue of issues) {
      const key = issue.field ?? '';
      out[key] = out[key] ? `${out[key]}; ${issue.message}` : issue.message;
    }
    if (issues.every((i) => i.field === null)) out[''] = err.message;
    return out;
  }
  return { '': err instanceof Error ? err.message : String(err) };
}

/**
 * Runs a form's request: marks it busy (its controls disabled), clears old errors, and on success resets
 * the form, records and announces `done`; on failure shows each error beside its field (`fields` maps an
 * API path like `parties.0.idNumber` to the form's field name when they differ).
 */
export async function runForm<T>(
  host: { requestUpdate(): void },
  state: FormState,
  form: HTMLFormElement | null,
  call: () => Promise<T>,
  done: (result: T) => string,
  fields: (apiField: string) => string = (f) => f,
): Promise<T | undefined> {
  if (state.busy) return undefined;
  state.busy = true;
  state.errors = {};
  state.done = '';
  host.requestUpdate();
  try {
    const result = await call();
    state.done = done(result);
    form?.reset();
    toast(state.done);
    return result;
  } catch (err) {
    // Several API fields may be one form field (every line of a list): their messages are kept together.
    state.errors = {};
    for (const [k, v] of Object.entries(errorsOf(err))) {
      const f = k === '' ? '' : fields(k);
      state.errors[f] = state.errors[f] ? `${state.errors[f]}; ${v}` : v;
    }
    // An error about a field the form does not show is shown for the form.
    if (form)
      for (const [k, v] of Object.entries(state.errors))
        if (k !== '' && !form.querySelector(`[name="${CSS.escape(k)}"]`)) {
          state.errors[''] = state.errors[''] ? `${state.errors['']}; ${v}` : v;
          delete state.errors[k];
        }
    return undefined;
  } finally {
    state.busy = false;
    host.requestUpdate();
  }
}

/** The error line of a field (`id` = `<form>-<field>-err`, pointed at by the input's aria-describedby). */
export function fieldError(form: string, state: FormState, field: string): TemplateResult {
  const msg = state.errors[field];
  return html`<p class="field-error" id=${`${form}-${field}-err`} ?hidden=${!msg}>${msg ?? ''}</p>`;
}

/** The form-level error and success lines. */
export function formStatus(state: FormState): TemplateResult {
  return html`<p class="form-error" role="alert" ?hidden=${!state.errors['']}>${state.errors[''] ?? ''}</p>
    <p class="form-done" role="status">${state.done ? html`<span aria-hidden="true">✓ </span>${state.done}` : ''}</p>`;
}

/** A labelled input with its error line. */
export function field(
  form: string,
  state: FormState,
  name: string,
  label: string,
  input: (attrs: { id: string; invalid: boolean; describedby: string }) => TemplateResult,
): TemplateResult {
  const id = `${form}-${name}`;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${input({ id, invalid: Boolean(state.errors[name]), describedby: `${id}-err` })}
    ${fieldError(form, state, name)}
  </div>`;
}

const ICONS: Record<string, string> = { red: '✖', yellow: '▲', green: '●', blue: '◆', gold: '★' };

/** A color as a chip: icon and words, never the color alone. */
export function chip(color: string | null | undefined): TemplateResult {
  const c = color ?? 'green';
  return html`<span class=${`chip chip-${c}`}><span aria-hidden="true">${ICONS[c] ?? '●'}</span> ${t().colors[c] ?? c}</span>`;
}

/** A submit button that says it is working while its form is busy. */
export function submit(state: FormState, label: string): TemplateResult {
  return html`<button type="submit" ?disabled=${state.busy} aria-busy=${state.busy ? 'true' : 'false'}>
    ${state.busy ? t().busy : label}
  </button>`;
}
