import { FivecolorReport } from '../report/report.js';
import { FivecolorReportIssuer } from './report-issuer.js';

// The issuer shows the report it issued with <fivecolor-report>.
if (!customElements.get('fivecolor-report')) customElements.define('fivecolor-report', FivecolorReport);
if (!customElements.get('fivecolor-report-issuer'))
  customElements.define('fivecolor-report-issuer', FivecolorReportIssuer);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-report-issuer': FivecolorReportIssuer;
  }
}
