import { FivecolorReport } from './report.js';

if (!customElements.get('fivecolor-report')) customElements.define('fivecolor-report', FivecolorReport);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-report': FivecolorReport;
  }
}
