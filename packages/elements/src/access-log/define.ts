import { FivecolorAccessLog } from './access-log.js';

if (!customElements.get('fivecolor-access-log'))
  customElements.define('fivecolor-access-log', FivecolorAccessLog);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-access-log': FivecolorAccessLog;
  }
}
