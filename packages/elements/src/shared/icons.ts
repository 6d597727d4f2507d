import { type SVGTemplateResult, svg } from 'lit';
import type { Color } from '../types.js';

// 24×24 shapes, even-odd filled so the inner mark is cut out of the outer shape.
const PATHS: Record<Color | 'none', string> = {
  green: 'M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20zM10.5 16.5l-4-4 1.4-1.4 2.6 2.6 5.6-5.6 1.4 1.4z',
  red: 'M7.9 2h8.2L22 7.9v8.2L16.1 22H7.9L2 16.1V7.9zM9.4 7.9 8 9.3l2.6 2.7L8 14.7l1.4 1.4 2.6-2.7 2.7 2.7 1.4-1.4-2.7-2.7 2.7-2.6-1.4-1.4-2.7 2.6z',
  yellow: 'M12 2 1 21h22zM11 9h2v6h-2zM11 17h2v2h-2z',
  blue: 'M12 4V1L8 5l4 4V6a6 6 0 0 1 5.2 9l1.5 1.5A8 8 0 0 0 12 4zM12 18a6 6 0 0 1-5.2-9L5.3 7.5A8 8 0 0 0 12 20v3l4-4-4-4z',
  gold: 'M12 2l3.1 6.3 6.9 1-5 4.9 1.2 6.8L12 17.8 5.8 21l1.2-6.8-5-4.9 6.9-1z',
  none: 'M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20zM7 11h10v2H7z',
};

/** The icon of a color (or `none` for unavailable); decorative, the label says the color in words. */
export const icon = (color: Color | 'none'): SVGTemplateResult =>
  svg`<svg part="icon" class="icon" data-icon=${color} viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" fill-rule="evenodd" d=${PATHS[color]}/></svg>`;
