import { css } from 'lit';

export const verifyStyles = css`
  :host {
    display: block;
    max-width: 28rem;
    font-size: 15px;
  }
  fieldset {
    margin: 0;
    padding: 1em 1.25em;
    border: 1px solid var(--fivecolor-border, #c4c4c4);
    border-radius: var(--fivecolor-radius, 0.5em);
  }
  legend {
    padding: 0 0.3em;
    font-weight: 700;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.2em;
    margin-bottom: 0.8em;
  }
  label {
    font-weight: 600;
  }
  input {
    font: inherit;
    padding: 0.45em 0.6em;
    border: 1px solid var(--fivecolor-input-border, #767676);
    border-radius: 0.3em;
    color: inherit;
    background: var(--fivecolor-surface, #ffffff);
  }
  input[aria-invalid='true'] {
    border-color: var(--fivecolor-error, #b3261e);
    border-width: 2px;
  }
  .hint {
    font-size: 0.85em;
    color: var(--fivecolor-text-secondary, #595959);
  }
  .error {
    font-size: 0.85em;
    color: var(--fivecolor-error, #b3261e);
  }
  button {
    font: inherit;
    font-weight: 600;
    padding: 0.5em 1.4em;
    border: none;
    border-radius: 0.3em;
    background: var(--fivecolor-button, #0b57d0);
    color: var(--fivecolor-on-button, #ffffff);
    cursor: pointer;
  }
  button[disabled] {
    cursor: progress;
    opacity: 0.85;
  }
  .result:not(:empty) {
    margin-top: 1em;
    padding: 0.75em 1em;
    border: 2px solid var(--fivecolor-border, #c4c4c4);
    border-radius: var(--fivecolor-radius, 0.5em);
  }
  .result[data-outcome='valid'] {
    border-color: #2e7d32;
  }
  .result[data-outcome='invalid'],
  .result[data-outcome='expired'] {
    border-color: #b3261e;
  }
  .outcome {
    display: flex;
    align-items: center;
    gap: 0.4em;
    margin: 0 0 0.4em;
    font-size: 1.1em;
    font-weight: 700;
  }
  .outcome svg {
    width: 1.4em;
    height: 1.4em;
  }
  .result p {
    margin: 0.2em 0;
  }
  .swatch {
    display: inline-block;
    width: 0.8em;
    height: 0.8em;
    margin-right: 0.3em;
    border-radius: 50%;
    background: var(--_bg);
    border: 1px solid var(--fivecolor-text, #1a1a1a);
  }
  @media (forced-colors: active) {
    .result:not(:empty),
    .swatch {
      border: 2px solid CanvasText;
    }
  }
`;
