import { css } from 'lit';

/** The look the self-service elements share: a card, tables, fields, buttons and notices. */
export const portalStyles = css`
  :host {
    display: block;
    max-width: 60rem;
    font-size: 15px;
  }
  .card {
    border: 1px solid var(--fivecolor-border, #c4c4c4);
    border-radius: var(--fivecolor-radius, 0.5em);
    padding: 1em 1.25em;
    background: var(--fivecolor-surface, #ffffff);
  }
  h2 {
    margin: 0 0 0.6em;
    font-size: 1.25em;
  }
  h3 {
    margin: 1.1em 0 0.5em;
    font-size: 1.05em;
  }
  p {
    margin: 0.4em 0;
  }
  .about,
  .hint {
    color: var(--fivecolor-text-secondary, #595959);
  }
  .hint,
  .error {
    font-size: 0.85em;
  }
  .error {
    color: var(--fivecolor-error, #b3261e);
    font-weight: 600;
  }
  /* A table wider than a narrow screen scrolls in its own box, not the page (WCAG 1.4.10 reflow). */
  .scroll {
    overflow-x: auto;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.92em;
  }
  th,
  td {
    text-align: left;
    vertical-align: top;
    padding: 0.4em 0.5em;
    border-bottom: 1px solid var(--fivecolor-border, #c4c4c4);
  }
  th {
    font-weight: 600;
  }
  .mono {
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  form,
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.25em;
  }
  form {
    gap: 0.8em;
    margin: 0.6em 0;
  }
  label,
  legend {
    font-weight: 600;
  }
  fieldset {
    margin: 0;
    padding: 0;
    border: none;
  }
  .check {
    display: flex;
    gap: 0.5em;
    align-items: flex-start;
    font-weight: 400;
    margin: 0.2em 0;
  }
  input,
  select,
  textarea {
    font: inherit;
    padding: 0.4em 0.55em;
    border: 1px solid var(--fivecolor-input-border, #767676);
    border-radius: 0.3em;
    color: inherit;
    background: var(--fivecolor-surface, #ffffff);
  }
  input[type='checkbox'] {
    margin-top: 0.25em;
  }
  [aria-invalid='true'] {
    border: 2px solid var(--fivecolor-error, #b3261e);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5em;
    align-items: center;
  }
  button,
  a.button {
    font: inherit;
    font-weight: 600;
    padding: 0.45em 1.1em;
    border: 1px solid var(--fivecolor-button, #0b57d0);
    border-radius: 0.3em;
    background: var(--fivecolor-button, #0b57d0);
    color: var(--fivecolor-on-button, #ffffff);
    cursor: pointer;
    text-decoration: none;
  }
  button.secondary,
  a.button.secondary {
    background: var(--fivecolor-surface, #ffffff);
    color: var(--fivecolor-button, #0b57d0);
  }
  button[disabled] {
    cursor: progress;
    opacity: 0.8;
  }
  button:focus-visible,
  select:focus-visible,
  textarea:focus-visible,
  a.button:focus-visible {
    outline: 3px solid var(--fivecolor-focus, #0b57d0);
    outline-offset: 2px;
  }
  .notice {
    padding: 0.6em 0.9em;
    border-radius: 0.4em;
    border: 2px solid var(--fivecolor-border, #c4c4c4);
  }
  .notice:empty {
    display: none;
  }
  .notice.ok {
    border-color: var(--fivecolor-green, #2e7d32);
  }
  .notice.bad,
  .notice.session {
    border-color: var(--fivecolor-error, #b3261e);
  }
  .swatch {
    display: inline-block;
    width: 0.8em;
    height: 0.8em;
    margin-right: 0.35em;
    border-radius: 50%;
    background: var(--_bg);
    border: 1px solid var(--fivecolor-text, #1a1a1a);
    vertical-align: -0.05em;
  }
  @media (forced-colors: active) {
    .notice,
    .swatch {
      border: 2px solid CanvasText;
    }
  }
`;
