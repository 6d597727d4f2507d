import { css } from 'lit';

export const partyRecordsStyles = css`
  .code {
    display: inline-flex;
    align-items: center;
    gap: 0.5em;
    padding: 0.4em 0.9em;
    border-radius: 0.4em;
    background: var(--_bg);
    color: var(--_fg);
    font-weight: 700;
    font-size: 1.15em;
  }
  .code .icon {
    width: 1.4em;
    height: 1.4em;
  }
  .meaning {
    font-weight: 400;
    font-size: 0.8em;
  }
  .explanation ul {
    margin: 0.3em 0;
    padding-left: 1.3em;
  }
  .band-wrap {
    position: relative;
    padding-bottom: 1.6em;
  }
  .band {
    display: flex;
    list-style: none;
    margin: 0;
    padding: 0;
    height: 2.2em;
    border: 1px solid var(--fivecolor-text, #1a1a1a);
    border-radius: 0.3em;
    overflow: hidden;
  }
  .block {
    flex: 0 0 auto;
    background: var(--_bg);
    color: var(--_fg);
    display: flex;
    align-items: center;
    justify-content: center;
    overflow: hidden;
    white-space: nowrap;
    font-size: 0.85em;
    font-weight: 600;
    box-shadow: inset -1px 0 0 var(--fivecolor-surface, #ffffff);
  }
  .ticks {
    position: absolute;
    left: 0;
    right: 0;
    bottom: 0;
    height: 1.4em;
    font-size: 0.8em;
    color: var(--fivecolor-text-secondary, #595959);
  }
  .tick {
    position: absolute;
    transform: translateX(-50%);
  }
  .today {
    position: absolute;
    top: -2.9em;
    height: 3em;
    border-left: 2px dashed var(--fivecolor-text, #1a1a1a);
  }
  .records {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.8em;
  }
  .record {
    border: 1px solid var(--fivecolor-border, #c4c4c4);
    border-radius: 0.4em;
    padding: 0.7em 0.9em;
  }
  .record h4 {
    margin: 0 0 0.4em;
    font-size: 1em;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.2em 1em;
    margin: 0 0 0.5em;
  }
  dt {
    color: var(--fivecolor-text-secondary, #595959);
  }
  dd {
    margin: 0;
  }
  .objection {
    margin: 0.4em 0;
    padding: 0.4em 0.7em;
    border-left: 4px solid var(--fivecolor-button, #0b57d0);
    background: var(--fivecolor-surface-2, #f3f6fb);
  }
  .record .notice {
    margin: 0.4em 0;
  }
  @media (forced-colors: active) {
    .block,
    .code {
      border: 1px solid CanvasText;
    }
  }
  @media print {
    button,
    form {
      display: none;
    }
  }
`;
