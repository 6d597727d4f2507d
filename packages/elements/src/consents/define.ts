import { FivecolorConsents } from './consents.js';

if (!customElements.get('fivecolor-consents')) customElements.define('fivecolor-consents', FivecolorConsents);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-consents': FivecolorConsents;
  }
}
