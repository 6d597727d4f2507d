// Registers what a court's online-service portal page shows: <fivecolor-badge>, <fivecolor-report> and
// the four self-service elements. Like define.ts, it defines the classes itself so that no shared
// chunk carries a side effect.
import { FivecolorAccessLog } from './access-log/access-log.js';
import { FivecolorBadge } from './badge/badge.js';
import { FivecolorConsents } from './consents/consents.js';
import { FivecolorPartyRecords } from './party-records/party-records.js';
import { FivecolorReport } from './report/report.js';
import { FivecolorReportIssuer } from './report-issuer/report-issuer.js';

const tags = {
  'fivecolor-badge': FivecolorBadge,
  'fivecolor-report': FivecolorReport,
  'fivecolor-party-records': FivecolorPartyRecords,
  'fivecolor-report-issuer': FivecolorReportIssuer,
  'fivecolor-consents': FivecolorConsents,
  'fivecolor-access-log': FivecolorAccessLog,
} as const;
for (const [tag, cls] of Object.entries(tags)) if (!customElements.get(tag)) customElements.define(tag, cls);

declare global {
  interface HTMLElementTagNameMap {
    'fivecolor-party-records': FivecolorPartyRecords;
    'fivecolor-report-issuer': FivecolorReportIssuer;
    'fivecolor-consents': FivecolorConsents;
    'fivecolor-access-log': FivecolorAccessLog;
  }
}
