import type { Report, ReportVerification, VerifyReason } from '@fivecolor/core';
import { colorLabel, toCstDate } from '@fivecolor/core';
import { and, desc, eq, sql } from 'drizzle-orm';
import { type AuditEntry, appendAudit } from '../audit/audit-log.js';
import { rowsDetail } from '../audit/row-hash.js';
import { actsForCourt } from '../auth/roles.js';
import { auditLog, objections, parties, records, reports } from '../db/schema.js';
import { runWrite } from '../db/write-tx.js';
import { actor, assertPartyAccess, type Caller } from '../services/access.js';
import { auditedWrite, auditRead } from '../services/audit-trail.js';
import type { Deps } from '../services/deps.js';
import { notFound, quoteId } from '../services/errors.js';
import { loadParty } from '../services/party-service.js';
import { freshPartyState, today } from '../state/party-state.js';
import { buildReport } from './build-report.js';
import {
  codeHash,
  codeMatches,
  newVerificationCode,
  nextReportNo,
  normalizeCode,
  REPORT_NO,
  reportCourt,
} from './report-codes.js';

/** `report.issue`: `{ reportNo, code, signed, expiresAt, report }`. */
export async function issueReport(
  c: Caller,
  input: { partyId: string; purpose?: string | undefined; idempotencyKey?: string | undefined },
) {
  const { deps } = c;
  await assertPartyAccess(c, input.partyId, 'report');
  const kit = deps.reports;
  const key = await kit.currentKey(deps.db, deps.crypto, deps.now());
  return auditedWrite(
    c,
    { key: input.idempotencyKey, input: { partyId: input.partyId, purpose: input.purpose ?? null } },
    async (w) => {
      const [party] = await w.tx.select().from(parties).where(eq(parties.id, input.partyId));
      if (!party) notFound(`partyId: no party ${quoteId(input.partyId)}`);
      const recordRows = await w.tx.select().from(records).where(eq(records.partyId, party.id));
      const objectionRows = await w.tx.select().from(objections).where(eq(objections.partyId, party.id));
      const issuedAt = deps.now();
      const expiresAt = new Date(issuedAt.getTime() + kit.ttlDays * 86_400_000);
      const day = toCstDate(issuedAt);
      const issuer = actsForCourt(c.principal.role) ? c.principal.court : null;
      const court = reportCourt(issuer, recordRows, kit.court);
      const reportNo = await nextReportNo(w.tx, court, Number(day.slice(0, 4)));
      const code = newVerificationCode();
      const report = buildReport({
        reportNo,
        court,
        issuedAt,
        expiresAt,
        today: day,
        policy: deps.policy,
        publicUrl: deps.publicUrl,
        party,
        records: recordRows,
        objections: objectionRows,
      });
      const signed = await kit.sign(report, key);
      const [stored] = await w.tx
        .insert(reports)
        .values({
          reportNo,
          codeHash: codeHash(deps.secret, reportNo, code),
          partyId: party.id,
          snapshot: report as unknown as Record<string, unknown>,
          signed,
          kid: key.kid,
          policyId: report.policyId,
          issuedBy: c.principal.id,
          issuedAt,
          expiresAt,
        })
        .returning();
      await w.audit({
        partyId: party.id,
        target: reportNo,
        purpose: input.purpose ?? null,
        // The hash of the stored row (snapshot included), which `fivecolor-server verify` compares.
        detail: {
          kid: key.kid,
          color: report.classification.color,
          ...rowsDetail('reports', stored ? [stored] : [], (r) => r.reportNo),
        },
      });
      return { reportNo, code, signed, expiresAt: report.expiresAt, kid: key.kid, report };
    },
  );
}

/**
 * `report.list`: the reports issued for a party, newest first — number, issue and expiry times, policy,
 * color at issue and the purpose given when issuing. Never the code (stored hashed) nor the signed JWS:
 * those are handed over once, by `report.issue`. Audited as a read of the party.
 */
export async function listReports(c: Caller, input: { partyId: string; purpose?: string | undefined }) {
  await assertPartyAccess(c, input.partyId, 'report');
  await loadParty(c, input.partyId);
  const db = c.deps.db.db;
  const rows = await db
    .select({
      reportNo: reports.reportNo,
      issuedAt: reports.issuedAt,
      expiresAt: reports.expiresAt,
      policyId: reports.policyId,
      color: sql<string | null>`${reports.snapshot}->'classification'->>'color'`,
    })
    .from(reports)
    .where(eq(reports.partyId, input.partyId))
    .orderBy(desc(reports.issuedAt), desc(reports.reportNo));
  // The purpose is what the issuer gave `report.issue`, kept in that write's audit row.
  const issued =
    rows.length === 0
      ? []
      : await db
          .select({ target: auditLog.target, purpose: auditLog.purpose })
          .from(auditLog)
          .where(and(eq(auditLog.partyId, input.partyId), eq(auditLog.action, 'report.issue')));
  const purposes = new Map(issued.flatMap((a) => (a.target && a.purpose ? [[a.target, a.purpose]] : [])));
  await auditRead(c, input.partyId, input.purpose);
  return {
    items: rows.map((r) => {
      const purpose = purposes.get(r.reportNo);
      return {
        reportNo: r.reportNo,
        issuedAt: r.issuedAt.toISOString(),
        expiresAt: r.expiresAt.toISOString(),
        policyId: r.policyId,
        color: r.color,
        ...(purpose !== undefined ? { purpose } : {}),
      };
    }),
  };
}

/** Who asks for an online verification: a rate-limit key, the audit fields and the audited action. */
export interface Verifier {
  /** `principal:<id>` or `addr:<ip>`. */
  client: string;
  audit: Pick<AuditEntry, 'actorId' | 'actorRole' | 'actorOrg' | 'requestId'>;
  /** `report.verify` (the procedure, or the public JSON and HTML route) or `report.pdf`. */
  action: string;
}

export type VerifyOutcome =
  | { kind: 'ok'; result: ReportVerification; partyId: string; kid: string; code: string }
  | { kind: 'invalid'; result: ReportVerification; retryAfter?: number };

const none = (reason: VerifyReason): ReportVerification => ({
  valid: false,
  reason,
  report: null,
  colorNow: null,
});

/**
 * Online verification by report number and code, shared by `report.verify` and the public route.
 * Wrong codes and unknown numbers count against the client, and wrong codes against the client's
 * attempts on that report and the report; while a client's limit is spent its attempts are refused,
 * while the report's is spent every attempt on it is slowed down (see `FailureLimiter`). A successful
 * look-up is audited against the party, once per client, report and action in ten minutes.
 */
export async function verifyOnline(
  deps: Deps,
  input: { reportNo: string; code: string },
  who: Verifier,
): Promise<VerifyOutcome> {
  const reportNo = input.reportNo.normalize('NFKC').trim();
  const code = normalizeCode(input.code);
  if (!REPORT_NO.test(reportNo) || reportNo.length > 40 || code === null)
    return { kind: 'invalid', result: none('malformed') };
  const kit = deps.reports;
  const nowMs = deps.now().getTime();
  // Counted before the code is compared: attempts sent at once cannot all pass a check made first.
  const limit = await kit.limiter.attempt(deps.db, reportNo, who.client, nowMs);
  if (limit.retryAfter > 0)
    return { kind: 'invalid', result: none('rate_limited'), retryAfter: limit.retryAfter };
  // Under a distributed guessing attempt on this report every answer comes slowly, the right one included.
  if (limit.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, limit.slowMs));
  const [row] = await deps.db.db.select().from(reports).where(eq(reports.reportNo, reportNo));
  if (!row) {
    await kit.limiter.release(deps.db, reportNo, who.client, 'clientReport');
    return { kind: 'invalid', result: none('not_found') };
  }
  if (!codeMatches(deps.secret, reportNo, code, row.codeHash)) {
    await kit.limiter.fail(deps.db, reportNo, who.client, nowMs);
    return { kind: 'invalid', result: none('bad_code') };
  }
  await kit.limiter.release(deps.db, reportNo, who.client, 'all');
  const report = row.snapshot as unknown as Report;
  const state = await freshPartyState(deps, row.partyId);
  const colorNow = state
    ? {
        color: state.color,
        label: colorLabel(state.color, 'zh-CN'),
        asOf: today(deps),
        since: state.since,
        // Also a color that moved and came back: the run it is in began after the report's day.
        changed:
          state.color !== report.classification.color ||
          (state.since !== null && state.since > report.classification.asOf),
      }
    : null;
  const expired = row.expiresAt.getTime() <= nowMs;
  // The public route has no caller, so this write names its action itself (the verifier's).
  if (kit.shouldAudit(who.client, reportNo, who.action, nowMs))
    await runWrite(
      deps,
      { actorId: who.audit.actorId ?? 'public', procedure: who.action, input: null },
      (w) =>
        appendAudit(
          w.tx,
          { ...who.audit, action: who.action, partyId: row.partyId, target: reportNo, detail: { expired } },
          deps.now(),
        ),
    );
  const result: ReportVerification = {
    valid: !expired,
    ...(expired ? { reason: 'expired' as const } : {}),
    report,
    signed: row.signed,
    colorNow,
  };
  return { kind: 'ok', result, partyId: row.partyId, kid: row.kid, code };
}

/** The verifier of a tRPC caller: rate-limited per principal. */
export function callerVerifier(c: Caller): Verifier {
  return { client: `principal:${c.principal.id}`, audit: actor(c), action: c.procedure };
}
