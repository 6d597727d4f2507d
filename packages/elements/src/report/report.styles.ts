import { css } from 'lit';

export const reportStyles = css`
  :host {
    display: block;
    max-width: 52rem;
    font-size: 15px;
  }
  .report {
    border: 1px solid var(--fivecolor-border, #c4c4c4);
    border-radius: var(--fivecolor-radius, 0.5em);
    padding: 1.25em 1.5em;
    background: var(--fivecolor-surface, #ffffff);
  }
  h2 {
    margin: 0 0 0.5em;
    font-size: 1.4em;
  }
  .head {
    display: flex;
    justify-content: space-between;
    align-items: flex-start;
    gap: 1em;
  }
  .qr-box {
    margin: 0;
    text-align: center;
    font-size: 0.8em;
  }
  .qr {
    display: block;
    width: 7.5em;
    height: 7.5em;
  }
  h3 {
    margin: 1.25em 0 0.5em;
    font-size: 1.1em;
    border-bottom: 1px solid var(--fivecolor-border, #c4c4c4);
    padding-bottom: 0.2em;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.25em 1em;
    margin: 0;
  }
  dt {
    color: var(--fivecolor-text-secondary, #595959);
  }
  dd {
    margin: 0;
  }
  .code {
    display: inline-flex;
    align-items: center;
    gap: 0.5em;
    padding: 0.4em 0.9em;
    margin-bottom: 0.6em;
    border-radius: 0.4em;
    background: var(--_bg);
    color: var(--_fg);
    font-weight: 700;
    font-size: 1.2em;
  }
  .code .icon {
    width: 1.5em;
    height: 1.5em;
  }
  .meaning {
    font-weight: 400;
    font-size: 0.8em;
  }
  .swatch {
    display: inline-block;
    width: 0.8em;
    height: 0.8em;
    margin-right: 0.4em;
    border-radius: 50%;
    background: var(--_bg);
    border: 1px solid var(--fivecolor-text, #1a1a1a);
    vertical-align: -0.05em;
  }
  .now {
    margin: 0.6em 0 0;
    font-weight: 600;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.9em;
  }
  th,
  td {
    text-align: left;
    vertical-align: top;
    padding: 0.35em 0.5em;
    border-bottom: 1px solid var(--fivecolor-border, #c4c4c4);
  }
  th {
    font-weight: 600;
  }
  .mono {
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .message {
    display: flex;
    align-items: center;
    gap: 0.5em;
    padding: 0.75em 1em;
    border-radius: 0.4em;
    background: var(--_bg);
    color: var(--_fg);
  }
  .message .icon {
    width: 1.5em;
    height: 1.5em;
  }
  .note {
    margin: 1.25em 0 0;
    font-size: 0.8em;
    color: var(--fivecolor-text-secondary, #595959);
  }
  @media (forced-colors: active) {
    .code,
    .message,
    .swatch {
      border: 2px solid CanvasText;
    }
  }
  @media print {
    :host {
      max-width: 180mm;
      font-size: 10.5pt;
      color: #000000;
    }
    .report {
      border: none;
      padding: 0;
    }
    .code,
    .message,
    .swatch {
      background: none;
      color: #000000;
      border: 1.5pt solid #000000;
    }
    dt,
    .note {
      color: #000000;
    }
    th,
    td {
      border-bottom: 0.5pt solid #000000;
    }
    section,
    tr {
      break-inside: avoid;
    }
  }
`;
