// Registers <fivecolor-badge>, <fivecolor-report> and <fivecolor-verify>. The per-element define
// modules are not imported here so that no shared chunk carries a side effect.
import { FivecolorBadge } from './badge/badge.js';
import { FivecolorReport } from './report/report.js';
import { FivecolorVerify } from './verify/verify.js';

if (!customElements.get('fivecolor-badge')) customElements.define('fivecolor-badge', FivecolorBadge);
if (!customElements.get('fivecolor-report')) customElements.define('fivecolor-report', FivecolorReport);
if (!customElements.get('fivecolor-verify')) customElements.define('fivecolor-verify', FivecolorVerify);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-badge': FivecolorBadge;
    'fivecolor-report': FivecolorReport;
    'fivecolor-verify': FivecolorVerify;
  }
}
