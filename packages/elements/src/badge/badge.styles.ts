import { css } from 'lit';

export const badgeStyles = css`
  :host {
    display: inline-block;
    vertical-align: top;
    box-sizing: border-box;
    width: 20em;
    font-size: 14px;
    contain: content;
  }
  :host([size='small']) {
    font-size: 12px;
  }
  :host([size='large']) {
    font-size: 18px;
  }
  .card {
    box-sizing: border-box;
    border: 2px solid var(--_bg);
    border-radius: var(--fivecolor-radius, 0.75em);
    overflow: hidden;
    background: var(--fivecolor-surface, #ffffff);
  }
  :host([state='stale']) .card {
    border-style: dashed;
  }
  .band {
    box-sizing: border-box;
    height: 5.6em;
    padding: 0.6em 0.9em;
    background: var(--_bg);
    color: var(--_fg);
  }
  .header {
    display: block;
    height: 1.4em;
    font-size: 0.85em;
    font-weight: 600;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .main {
    display: flex;
    align-items: center;
    gap: 0.5em;
    height: 2.8em;
  }
  .icon {
    flex: none;
    width: 2.4em;
    height: 2.4em;
  }
  .label {
    font-size: 1.6em;
    font-weight: 700;
    white-space: nowrap;
  }
  .body {
    box-sizing: border-box;
    /* Two rows and the link fit in this; the under-objection notice (wrapping) makes it taller. */
    min-height: 5.4em;
    padding: 0.5em 0.9em;
  }
  .row {
    display: block;
    height: 1.45em;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .name {
    font-weight: 600;
  }
  .as-of,
  .hint {
    font-size: 0.9em;
    color: var(--fivecolor-text-secondary, #595959);
  }
  .objection {
    height: auto;
    font-size: 0.9em;
    font-weight: 600;
    line-height: 1.35;
    white-space: normal;
    margin: 0.1em 0;
  }
  .skel {
    display: inline-block;
    border-radius: 0.3em;
    background: #d6d6d6;
  }
  .skel.row {
    width: 60%;
    height: 1em;
    margin: 0.2em 0 0.25em;
  }
  @media (prefers-reduced-motion: no-preference) {
    .skel {
      animation: pulse 1.2s ease-in-out infinite alternate;
    }
  }
  @keyframes pulse {
    to {
      opacity: 0.5;
    }
  }
  @media (forced-colors: active) {
    .card,
    .band {
      border: 2px solid CanvasText;
    }
    .skel {
      background: GrayText;
    }
  }
`;
