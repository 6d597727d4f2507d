import { COLORS } from '@fivecolor/core/wire';
import { css } from 'lit';
import type { Color } from '../types.js';

/** The five colors, in the default policy's precedence (core's list). */
export { COLORS };

/** Whether a value is one of the five colors. */
export const isColor = (value: unknown): value is Color => COLORS.includes(value as Color);

/**
 * `[data-color]` sets `--_bg` / `--_fg` from the public custom properties, with fallbacks that meet
 * WCAG 2.1 AA (≥ 4.5:1) for text on the color. `data-color="none"` is the neutral grey.
 */
export const colorStyles = css`
  [data-color='green'] {
    --_bg: var(--fivecolor-green, #2e7d32);
    --_fg: var(--fivecolor-on-green, #ffffff);
  }
  [data-color='red'] {
    --_bg: var(--fivecolor-red, #c62828);
    --_fg: var(--fivecolor-on-red, #ffffff);
  }
  [data-color='yellow'] {
    --_bg: var(--fivecolor-yellow, #ffd43b);
    --_fg: var(--fivecolor-on-yellow, #1a1a1a);
  }
  [data-color='blue'] {
    --_bg: var(--fivecolor-blue, #1565c0);
    --_fg: var(--fivecolor-on-blue, #ffffff);
  }
  [data-color='gold'] {
    --_bg: var(--fivecolor-gold, #c9a227);
    --_fg: var(--fivecolor-on-gold, #1a1a1a);
  }
  [data-color='none'] {
    --_bg: var(--fivecolor-unavailable, #e0e0e0);
    --_fg: var(--fivecolor-on-unavailable, #424242);
  }
`;

/** Shared host and helper styles. */
export const baseStyles = css`
  :host {
    font-family: var(--fivecolor-font-family, system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', sans-serif);
    color: var(--fivecolor-text, #1a1a1a);
    line-height: 1.4;
  }
  :host([hidden]) {
    display: none;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  a {
    color: var(--fivecolor-link, #0b57d0);
  }
  a:focus-visible,
  button:focus-visible,
  input:focus-visible {
    outline: 3px solid var(--fivecolor-focus, #0b57d0);
    outline-offset: 2px;
  }
`;
