import { FivecolorVerify } from './verify.js';

if (!customElements.get('fivecolor-verify')) customElements.define('fivecolor-verify', FivecolorVerify);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-verify': FivecolorVerify;
  }
}
