import { FivecolorPartyRecords } from './party-records.js';

if (!customElements.get('fivecolor-party-records'))
  customElements.define('fivecolor-party-records', FivecolorPartyRecords);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-party-records': FivecolorPartyRecords;
  }
}
