// Registers every element: <fivecolor-badge>, <fivecolor-report>, <fivecolor-verify> and the four
// self-service elements of a court's online-service portal. The per-element define modules are not
// imported here so that no shared chunk carries a side effect.
import { FivecolorAccessLog } from './access-log/access-log.js';
import { FivecolorBadge } from './badge/badge.js';
import { FivecolorConsents } from './consents/consents.js';
import { FivecolorPartyRecords } from './party-records/party-records.js';
import { FivecolorReport } from './report/report.js';
import { FivecolorReportIssuer } from './report-issuer/report-issuer.js';
import { FivecolorVerify } from './verify/verify.js';

const tags = {
  'fivecolor-badge': FivecolorBadge,
  'fivecolor-report': FivecolorReport,
  'fivecolor-verify': FivecolorVerify,
  'fivecolor-party-records': FivecolorPartyRecords,
  'fivecolor-report-issuer': FivecolorReportIssuer,
  'fivecolor-consents': FivecolorConsents,
  'fivecolor-access-log': FivecolorAccessLog,
} as const;
for (const [tag, cls] of Object.entries(tags)) if (!customElements.get(tag)) customElements.define(tag, cls);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-badge': FivecolorBadge;
    'fivecolor-report': FivecolorReport;
    'fivecolor-verify': FivecolorVerify;
    'fivecolor-party-records': FivecolorPartyRecords;
    'fivecolor-report-issuer': FivecolorReportIssuer;
    'fivecolor-consents': FivecolorConsents;
    'fivecolor-access-log': FivecolorAccessLog;
  }
}
