import type { Color } from './types.js';

/**
 * The five colors, most severe first, as the default policy orders them (`green`, the default, last).
 *
 * @example
 * COLORS.includes(value as Color); // whether `value` names a color
 */
export const COLORS: readonly Color[] = /* @__PURE__ */ Object.freeze([
  'red',
  'yellow',
  'blue',
  'gold',
  'green',
]);
