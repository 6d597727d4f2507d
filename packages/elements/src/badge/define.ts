import { FivecolorBadge } from './badge.js';

if (!customElements.get('fivecolor-badge')) customElements.define('fivecolor-badge', FivecolorBadge);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-badge': FivecolorBadge;
  }
}
