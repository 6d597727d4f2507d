import { generateKeyPairSync } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../auth/api-keys.js';
import { createPartyCrypto } from '../crypto/party-crypto.js';
import { auditLog } from '../db/schema.js';
import { PUBLIC_VERIFY_LIMIT } from '../http/report-routes.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { FailureLimiter } from './failure-limiter.js';
import { CODE_ALPHABET } from './report-codes.js';
import { ReportKit } from './report-kit.js';
import { PUBLISH_BEFORE_USE_MS, RETIRED_KEY_GRACE_MS, rotateSigningKey } from './signing-keys.js';

const DAY = 86_400_000;
const cst = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

describe.each(dbKinds())('reports and consent on %s', (kind) => {
  let h: Harness;
  let partyId: string;
  let session: string;
  let n = 0;
  const ip = (addr: string) => ({ incoming: { socket: { remoteAddress: addr } } });
  const get = (path: string, addr = '192.0.2.1', headers: Record<string, string> = {}) =>
    h.app.request(`http://local${path}`, { headers }, ip(addr));
  const jwks = async (): Promise<JSONWebKeySet> => (await get('/.well-known/jwks.json')).json();
  const verifyPath = (no: string, code: string, pdf = false) =>
    `/v1/reports/${encodeURIComponent(no)}${pdf ? '.pdf' : ''}?code=${encodeURIComponent(code)}`;
  const newPerson = async (name = '章某某') => {
    const id = (
      await h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(500 + n++),
        name,
      })
    ).partyId;
    return { id, session: (await h.as('portal').party.issueSession.mutate({ partyId: id })).token };
  };

  beforeAll(async () => {
    h = await createHarness(kind, { reports: { court: '浙02' } });
    ({ id: partyId, session } = await newPerson());
    const today = cst(h.clock.now);
    const y14 = await h.as('judge').record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初77号',
      effectiveFrom: today,
    });
    expect(y14.classification.color).toBe('yellow');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('issues a signed report that verifies with the published JWKS (round trip)', async () => {
    const r = await h.client(session).report.issue.mutate({ partyId });
    // Issued by the party itself: numbered by the court of its record (浙0212), not the deployment's 浙02.
    expect(r.reportNo).toMatch(/^浙0212-\d{4}-\d{6}$/);
    expect(r.code).toHaveLength(8);
    for (const ch of r.code) expect(CODE_ALPHABET).toContain(ch);
    expect(Date.parse(r.expiresAt) - h.clock.now.getTime()).toBe(30 * DAY);
    const keys = await jwks();
    expect(keys.keys.length).toBeGreaterThan(0);
    expect(JSON.stringify(keys)).not.toMatch(/"d"/);
    const { payload, protectedHeader } = await compactVerify(r.signed, createLocalJWKSet(keys));
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: r.kid });
    const report = JSON.parse(new TextDecoder().decode(payload));
    expect(report).toEqual(r.report);
    expect(report).toMatchObject({
      reportNo: r.reportNo,
      expiresAt: r.expiresAt,
      policyId: 'default-2022',
      party: { kind: 'person', idType: 'RESIDENT_ID', name: '章**' },
      classification: { color: 'yellow', label: '黄码', since: cst(h.clock.now) },
      issuer: { court: '浙0212', jwksUrl: 'https://court.example/.well-known/jwks.json' },
    });
    expect(report.party.idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    expect(report.explanation.summary).toContain('黄码');
    expect(report.explanation.records[0]).toMatchObject({ category: 'Y14', decisive: true });
    expect(report.explanation.records[0].remedy).toBeTruthy();
    expect(report.records).toEqual([
      expect.objectContaining({
        category: 'Y14',
        court: '浙0212',
        caseNumber: '（2025）浙0212民初77号',
        status: 'active',
        counting: true,
        repairedBy: null,
        objection: null,
      }),
    ]);
    expect(report.records[0].legalBasis.length).toBeGreaterThan(0);
    expect(report.timeline.at(-2)).toMatchObject({ color: 'yellow', from: cst(h.clock.now) });
    // Never the clear name or identity number.
    expect(r.signed).not.toContain('章某某');
    expect(JSON.stringify(report)).not.toContain('章某某');
  });

  it('fails verification when any byte of the payload is flipped', async () => {
    const r = await h.client(session).report.issue.mutate({ partyId });
    const [head, body, sig] = r.signed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    const keys = createLocalJWKSet(await jwks());
    for (const i of [0, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[i] = (copy[i] as number) ^ 0x01;
      await expect(compactVerify(`${head}.${copy.toString('base64url')}.${sig}`, keys)).rejects.toThrow();
    }
  });

  it('shows an organization in full and a repaired record as repaired', async () => {
    const org = (
      await h.as('clerk').party.register.mutate({
        kind: 'org',
        idType: 'USCC',
        idNumber: '914403001922038216',
        name: '宁波某某有限公司',
      })
    ).partyId;
    const from = cst(new Date(h.clock.now.getTime() - 60 * DAY));
    const { recordId } = await h.as('enforcement').record.create.mutate({
      partyId: org,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212执5号',
      effectiveFrom: from,
    });
    await h.as('enforcement').record.repair.mutate({
      partyId: org,
      repairs: [recordId],
      court: '浙0212',
      caseNumber: '（2025）浙0212执恢5号',
      effectiveFrom: cst(new Date(h.clock.now.getTime() - 10 * DAY)),
    });
    const { report } = await h.as('judge').report.issue.mutate({ partyId: org });
    expect(report.party).toMatchObject({ name: '宁波某某有限公司', idNumber: '914403001922038216' });
    expect(report.classification.color).toBe('blue');
    const repaired = report.records.find((x) => x.recordId === recordId);
    expect(repaired).toMatchObject({
      status: 'repaired',
      counting: false,
      repairedBy: { recordId: expect.any(String) },
    });
  });

  it('issues a report when a live repair lists a record revoked later (revoked records hidden)', async () => {
    const p = await newPerson('孙某某');
    const days = (n: number) => cst(new Date(h.clock.now.getTime() + n * DAY));
    const y = await h.as('enforcement').record.create.mutate({
      partyId: p.id,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212执6号',
      effectiveFrom: days(-30),
    });
    const fix = await h.as('enforcement').record.repair.mutate({
      partyId: p.id,
      repairs: [y.recordId],
      court: '浙0212',
      caseNumber: '（2025）浙0212执恢6号',
      effectiveFrom: days(-5),
    });
    await h.as('enforcement').record.revoke.mutate({ recordId: y.recordId, reason: 'entered in error' });
    const { report } = await h.as('judge').report.issue.mutate({ partyId: p.id });
    expect(report.classification.color).toBe('blue');
    expect(report.records.map((x) => x.recordId)).toEqual([fix.recordId]);
    expect(report.timeline.map((s) => s.color)).toEqual(['green', 'blue', 'green']);
  });

  it('keeps a repaired record lifted after the repair’s own term, while the record’s term still runs', async () => {
    const p = await newPerson('钱某某');
    const days = (n: number) => cst(new Date(h.clock.now.getTime() + n * DAY));
    const y = await h.as('enforcement').record.create.mutate({
      partyId: p.id,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2024）浙0212执7号',
      effectiveFrom: days(-800),
      effectiveUntil: days(400),
    });
    // B01's default term is one year (blue from day -700 to about day -335); the record stays lifted after it.
    const fix = await h.as('enforcement').record.repair.mutate({
      partyId: p.id,
      repairs: [y.recordId],
      court: '浙0212',
      caseNumber: '（2024）浙0212执恢7号',
      effectiveFrom: days(-700),
    });
    expect(fix.classification.color).toBe('green');
    const { report } = await h.as('judge').report.issue.mutate({ partyId: p.id });
    expect(report.classification).toMatchObject({ color: 'green', basis: [] });
    expect(report.records.find((x) => x.recordId === y.recordId)).toMatchObject({
      status: 'repaired',
      counting: false,
      repairedBy: { recordId: fix.recordId },
    });
    expect(report.timeline.map((s) => s.color)).toEqual(['green', 'yellow', 'blue', 'green']);
  });

  it('says the color changed when it moved and came back since the report', async () => {
    const other = await newPerson('王某');
    const r = await h.client(other.session).report.issue.mutate({ partyId: other.id });
    const issued = h.clock.now;
    await h.as('judge').record.create.mutate({
      partyId: other.id,
      category: 'R03',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初19号',
      effectiveFrom: cst(issued),
      effectiveUntil: cst(new Date(issued.getTime() + 10 * DAY)),
    });
    h.clock.now = new Date(issued.getTime() + 20 * DAY);
    try {
      const later = await h.as('bank').report.verify.query({ reportNo: r.reportNo, code: r.code });
      expect(later.colorNow).toMatchObject({
        color: 'green',
        since: cst(new Date(issued.getTime() + 10 * DAY)),
        changed: true,
      });
    } finally {
      h.clock.now = issued;
    }
  });

  it('verifies online (tRPC and public GET with CORS) and says whether the color changed', async () => {
    const other = await newPerson('李某');
    const r = await h.client(other.session).report.issue.mutate({ partyId: other.id });
    const ok = await h.as('bank').report.verify.query({ reportNo: r.reportNo, code: r.code.toLowerCase() });
    expect(ok).toMatchObject({
      valid: true,
      report: { reportNo: r.reportNo },
      colorNow: { color: 'green', changed: false },
    });
    await h.as('judge').record.create.mutate({
      partyId: other.id,
      category: 'R03',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初9号',
      effectiveFrom: cst(h.clock.now),
    });
    const res = await get(verifyPath(r.reportNo, r.code), '192.0.2.50', { origin: 'https://bank.example' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = await res.json();
    expect(body).toMatchObject({
      valid: true,
      report: { classification: { color: 'green' } },
      colorNow: { color: 'red', changed: true },
      signed: r.signed,
    });
    const wrong = await get(verifyPath(r.reportNo, 'AAAAAAAA'), '192.0.2.50');
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ valid: false, reason: 'bad_code', report: null, colorNow: null });
    const unknown = await get(verifyPath('浙02-2000-999999', r.code), '192.0.2.50');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).reason).toBe('not_found');
    const page = await get(verifyPath(r.reportNo, r.code), '192.0.2.50', { accept: 'text/html' });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('签发后已变更');
    const bad = await trpcError(h.as('bank').report.verify.query({ reportNo: 'x', code: '12' }));
    expect(bad.data?.code).toBe('BAD_REQUEST');
    expect(bad.message).toMatch(/^reportNo, code: /);
  });

  it('counts an IPv6 client by its /64: a host cannot spread its guesses over its addresses', async () => {
    const r = await h.client(session).report.issue.mutate({ partyId });
    const limits = h.deps.reports.limiter;
    for (let i = 0; i < limits.perClientReport.max; i++)
      expect((await get(verifyPath(r.reportNo, `WRONG${i}22`), `2001:db8:5:6::${i + 1}`)).status).toBe(403);
    expect((await get(verifyPath(r.reportNo, r.code), '2001:db8:5:6:ffff::9')).status).toBe(429);
    expect((await get(verifyPath(r.reportNo, r.code), '2001:db8:5:7::1')).status).toBe(200);
  });

  it('limits wrong codes per client and per client and report, shared through the database, never locking a report', async () => {
    const r = await h.client(session).report.issue.mutate({ partyId });
    const limits = h.deps.reports.limiter;
    // One client guessing one report: refused after perClientReport wrong codes, right code included.
    for (let i = 0; i < limits.perClientReport.max; i++)
      expect(
        (await get(verifyPath(r.reportNo, `WRONG${String(i).padStart(3, '2')}`), '198.51.100.1')).status,
      ).toBe(403);
    const blocked = await get(verifyPath(r.reportNo, r.code), '198.51.100.1');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await blocked.json()).reason).toBe('rate_limited');
    // The counts live in the database: another process (another limiter on the same database) sees them.
    const elsewhere = new FailureLimiter(h.secret);
    expect(
      (await elsewhere.check(h.db, r.reportNo, 'addr:198.51.100.1', h.clock.now.getTime())).retryAfter,
    ).toBeGreaterThan(0);
    // Unknown report numbers count against the client (no enumeration).
    for (let i = 0; i < limits.perClient.max; i++)
      await get(verifyPath(`浙02-1999-${String(i).padStart(6, '0')}`, r.code), '198.51.100.2');
    expect((await get(verifyPath(r.reportNo, r.code), '198.51.100.2')).status).toBe(429);
    // Wrong codes on the report from many addresses do not lock out the holder of the right code:
    // attempts on it are slowed down instead.
    // (5 wrong codes from 198.51.100.1 already count against the report.)
    for (let i = 0; i < limits.perReport.max - limits.perClientReport.max; i++)
      expect((await get(verifyPath(r.reportNo, 'WRONGXYZ'), `203.0.113.${i}`)).status).toBe(403);
    const slowed = await limits.check(h.db, r.reportNo, 'addr:203.0.113.250', h.clock.now.getTime());
    expect(slowed).toEqual({ retryAfter: 0, slowMs: limits.slowdownMs });
    expect((await get(verifyPath(r.reportNo, r.code), '203.0.113.250')).status).toBe(200);
    expect((await h.as('bank').report.verify.query({ reportNo: r.reportNo, code: r.code })).valid).toBe(true);
    // The windows pass.
    const saved = h.clock.now;
    h.clock.now = new Date(saved.getTime() + limits.perClientReport.windowMs + 1000);
    try {
      expect((await get(verifyPath(r.reportNo, r.code), '198.51.100.1')).status).toBe(200);
    } finally {
      h.clock.now = saved;
    }
  });

  it('counts wrong codes sent at once: no more are compared than the limits allow (public route and tRPC)', async () => {
    const r = await h.client(session).report.issue.mutate({ partyId });
    const limits = h.deps.reports.limiter;
    const wrong = (i: number) => `WRONG${String(i).padStart(3, '2')}`.replace(/[01]/g, 'Z');
    const statuses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        Promise.resolve(get(verifyPath(r.reportNo, wrong(i)), '198.51.100.7')).then((x) => x.status),
      ),
    );
    expect(statuses.filter((s) => s === 403).length).toBe(limits.perClientReport.max);
    expect(statuses.filter((s) => s === 429).length).toBe(25 - limits.perClientReport.max);
    const answers = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        h.as('enforcement').report.verify.query({ reportNo: r.reportNo, code: wrong(i) }),
      ),
    );
    expect(answers.filter((a) => a.status === 'fulfilled' && a.value.reason === 'bad_code').length).toBe(
      limits.perClientReport.max,
    );
    expect(answers.filter((a) => a.status === 'rejected').length).toBe(40 - limits.perClientReport.max);
    // A right code gives back what its attempt counted: one client verifying again and again is never refused.
    for (let i = 0; i < limits.perClient.max + 2; i++)
      expect((await get(verifyPath(r.reportNo, r.code), '198.51.100.8')).status).toBe(200);
  });

  it('rate-limits public verifications per client, audits repeats once, and renders a PDF once', async () => {
    const r = await h.client(session).report.issue.mutate({ partyId });
    const audits = async () =>
      (await h.db.db.select().from(auditLog).where(eq(auditLog.target, r.reportNo))).filter(
        (a) => a.action === 'report.verify',
      ).length;
    const before = await audits();
    for (let i = 0; i < 3; i++)
      expect((await get(verifyPath(r.reportNo, r.code), '192.0.2.90')).status).toBe(200);
    expect(await audits()).toBe(before + 1);
    expect((await get(verifyPath(r.reportNo, r.code), '192.0.2.91')).status).toBe(200);
    expect(await audits()).toBe(before + 2);
    const pdf = async () =>
      Buffer.from(await (await get(verifyPath(r.reportNo, r.code, true), '192.0.2.92')).arrayBuffer());
    expect((await pdf()).equals(await pdf())).toBe(true);
    let last = 200;
    for (let i = 0; i < PUBLIC_VERIFY_LIMIT.burst + 5 && last !== 429; i++)
      last = (await get(verifyPath(r.reportNo, r.code), '192.0.2.93')).status;
    expect(last).toBe(429);
    expect((await get(verifyPath(r.reportNo, r.code), '192.0.2.94')).status).toBe(200);
  });

  it('expires: online verification says expired after the validity', async () => {
    const r = await h.client(session).report.issue.mutate({ partyId });
    const saved = h.clock.now;
    h.clock.now = new Date(Date.parse(r.expiresAt) + 1000);
    try {
      const body = await (await get(verifyPath(r.reportNo, r.code), '192.0.2.77')).json();
      expect(body).toMatchObject({ valid: false, reason: 'expired', report: { reportNo: r.reportNo } });
    } finally {
      h.clock.now = saved;
    }
  });

  it('rotates the signing key: old reports stay valid until they expire, then the old key is unpublished', async () => {
    const before = await h.client(session).report.issue.mutate({ partyId });
    const { kid, retired } = await rotateSigningKey(h.db, createPartyCrypto(h.secret), h.clock.now);
    expect(retired).toContain(before.kid);
    h.deps.reports.refresh();
    // Published at once, the new key signs only once every JWKS fetched before the rotation has expired.
    const meanwhile = await h.client(session).report.issue.mutate({ partyId });
    expect(meanwhile.kid).toBe(before.kid);
    expect((await jwks()).keys.map((k) => k.kid)).toContain(kid);
    const rotatedAt = h.clock.now;
    h.clock.now = new Date(rotatedAt.getTime() + PUBLISH_BEFORE_USE_MS);
    h.deps.reports.refresh();
    const after = await h.client(session).report.issue.mutate({ partyId });
    h.clock.now = rotatedAt;
    expect(after.kid).toBe(kid);
    expect(after.kid).not.toBe(before.kid);
    h.deps.reports.refresh();
    const keys = await jwks();
    expect(keys.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before.kid, after.kid]));
    await compactVerify(before.signed, createLocalJWKSet(keys));
    await compactVerify(after.signed, createLocalJWKSet(keys));
    // Once every report the old key signed has expired, it leaves the JWKS.
    const saved = h.clock.now;
    h.clock.now = new Date(saved.getTime() + 31 * DAY);
    h.deps.reports.refresh();
    try {
      const later = (await jwks()).keys.map((k) => k.kid);
      expect(later).toContain(after.kid);
      expect(later).not.toContain(before.kid);
    } finally {
      h.clock.now = saved;
      h.deps.reports.refresh();
    }
  });

  it('keeps a retired key published for a while after the rotation, even when it signed nothing', async () => {
    // Another process may still sign with the key it cached before the rotation: a verifier fetching the
    // JWKS between the rotation and that report must find the key.
    const crypto = createPartyCrypto(h.secret);
    const { kid: unused } = await rotateSigningKey(h.db, crypto, h.clock.now);
    const { kid: next } = await rotateSigningKey(h.db, crypto, h.clock.now);
    const saved = h.clock.now;
    try {
      h.deps.reports.refresh();
      expect((await jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([unused, next]));
      h.clock.now = new Date(saved.getTime() + RETIRED_KEY_GRACE_MS - 60_000);
      h.deps.reports.refresh();
      expect((await jwks()).keys.map((k) => k.kid)).toContain(unused);
      h.clock.now = new Date(saved.getTime() + RETIRED_KEY_GRACE_MS + 60_000);
      h.deps.reports.refresh();
      const later = (await jwks()).keys.map((k) => k.kid);
      expect(later).toContain(next);
      expect(later).not.toContain(unused);
    } finally {
      h.clock.now = saved;
      h.deps.reports.refresh();
    }
  });

  it('renders the PDF in Chinese with the report content', async () => {
    const r = await h.client(session).report.issue.mutate({ partyId });
    const res = await get(verifyPath(r.reportNo, r.code, true), '192.0.2.99');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(pdf.subarray(0, 5))).toBe('%PDF-');
    const { text } = await extractText(await getDocumentProxy(pdf), { mergePages: true });
    const flat = text.replace(/\s+/g, '');
    for (const part of [
      '司法诚信报告',
      r.reportNo,
      r.code,
      '章**',
      '黄码',
      '（2025）浙0212民初77号',
      'Y14',
      '浙0212',
      '有效',
      'default-2022',
    ])
      expect(flat).toContain(part.replace(/\s+/g, ''));
    expect(flat).not.toContain('章某某');
    const denied = await get(verifyPath(r.reportNo, 'AAAAAAAA', true), '192.0.2.99');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toContain('application/json');
  });

  it('lets a bank read the code and issue a report only under a live consent, audited for the party', async () => {
    const p = await newPerson('王某某');
    const bank = h.as('bank');
    const missing = await trpcError(bank.report.issue.mutate({ partyId: p.id }));
    expect(missing.data?.code).toBe('FORBIDDEN');
    expect(missing.message).toMatch(/consent/);
    expect((await trpcError(bank.party.get.query({ partyId: p.id }))).message).toMatch(/consent/);
    const until = cst(new Date(h.clock.now.getTime() + 90 * DAY));
    const grant = await h.client(p.session).consent.grant.mutate({
      grantee: 'Test Bank',
      scopes: ['code', 'report'],
      until,
    });
    expect(grant).toMatchObject({ grantee: 'Test Bank', scopes: ['code', 'report'], until, active: true });
    // The consent names the portal key whose session granted it, as well as the party.
    const portalKeyId = (await h.as('admin').apiKey.list.query()).find((k) => k.role === 'portal')?.id;
    expect(portalKeyId).toMatch(/^key_/);
    expect(grant).toMatchObject({ partyId: p.id, portalKeyId });
    const issued = await h.as('bank').report.issue.mutate({ partyId: p.id, purpose: '诚信履行贷审查' });
    expect(issued.report.party.name).toBe('王**');
    expect((await h.as('bank').party.get.query({ partyId: p.id })).classification.color).toBe('green');
    const listed = await h.as('bank').consent.list.query({});
    expect(listed.map((x) => x.consentId)).toContain(grant.consentId);
    const who = await h.client(p.session).audit.list.query({});
    expect(who.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'report.issue',
          actorRole: 'bank',
          actorOrg: 'Test Bank',
          purpose: '诚信履行贷审查',
        }),
        expect.objectContaining({ action: 'party.get', actorRole: 'bank', actorOrg: 'Test Bank' }),
      ]),
    );
    await h.client(p.session).consent.revoke.mutate({ consentId: grant.consentId });
    const after = await trpcError(bank.report.issue.mutate({ partyId: p.id }));
    expect(after.data?.code).toBe('FORBIDDEN');
    expect((await trpcError(bank.party.get.query({ partyId: p.id }))).data?.code).toBe('FORBIDDEN');
    expect((await h.client(p.session).consent.list.query({}))[0]).toMatchObject({
      active: false,
      revokedAt: expect.any(String),
    });
    // A code-only consent does not cover reports.
    await h.client(p.session).consent.grant.mutate({ grantee: 'Test Bank', scopes: ['code'], until });
    expect((await trpcError(bank.report.issue.mutate({ partyId: p.id }))).message).toMatch(/scope report/);
  });

  it("numbers a bank's report by the party's record even when the bank's key names a court", async () => {
    const p = await newPerson('钱某某');
    await h.as('judge').record.create.mutate({
      partyId: p.id,
      category: 'Y14',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初78号',
      effectiveFrom: cst(h.clock.now),
    });
    const until = cst(new Date(h.clock.now.getTime() + 90 * DAY));
    await h.client(p.session).consent.grant.mutate({ grantee: 'Test Bank', scopes: ['report'], until });
    const { key } = await createApiKey(h.db, h.secret, {
      role: 'bank',
      name: 'Test Bank, Wenzhou branch',
      org: 'Test Bank',
      court: '浙03',
    });
    const issued = await h.client(key).report.issue.mutate({ partyId: p.id });
    expect(issued.reportNo).toMatch(/^浙0212-\d{4}-\d{6}$/);
    expect(issued.report.issuer.court).toBe('浙0212');
  });

  it('numbers the report of a party whose only record came from a partner without a court by the deployment', async () => {
    const idNumber = residentId(900 + n++);
    const imported = await h.call(
      'exchange.import',
      {
        records: [
          {
            externalId: 'NB-COURTLESS-1',
            kind: 'person',
            idType: 'RESIDENT_ID',
            idNumber,
            name: '孙某某',
            category: 'Y14',
            effectiveFrom: cst(h.clock.now),
            caseNumber: '（2025）浙0212民初79号',
          },
        ],
      },
      h.keys.exchange,
    );
    expect(imported.error, imported.error?.message).toBeUndefined();
    const lookup = await h.as('clerk').party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber });
    expect(lookup.records[0]?.court).toBe('');
    const session = (await h.as('portal').party.issueSession.mutate({ partyId: lookup.party.partyId })).token;
    const issued = await h.client(session).report.issue.mutate({ partyId: lookup.party.partyId });
    expect(issued.reportNo).toMatch(/^浙02-\d{4}-\d{6}$/);
    const online = await h
      .client(session)
      .report.verify.query({ reportNo: issued.reportNo, code: issued.code });
    expect(online.valid).toBe(true);
  });

  it('rejects bad consent input naming the field, and changes nothing', async () => {
    const p = await newPerson('赵某');
    const yesterday = cst(new Date(h.clock.now.getTime() - DAY));
    const past = await h.call(
      'consent.grant',
      { grantee: 'Test Bank', scopes: ['code'], until: yesterday },
      p.session,
    );
    expect(past.error?.message).toMatch(/^until: /);
    const soon = cst(new Date(h.clock.now.getTime() + 30 * DAY));
    const noBank = await h.call(
      'consent.grant',
      { grantee: 'Nobody Bank', scopes: ['code'], until: soon },
      p.session,
    );
    expect(noBank.error?.message).toMatch(/^grantee: /);
    const scope = await h.call(
      'consent.grant',
      { grantee: 'Test Bank', scopes: ['all'], until: soon },
      p.session,
    );
    expect(scope.error?.message).toMatch(/^scopes\.0: /);
    expect(await h.client(p.session).consent.list.query({})).toEqual([]);
  });
});

describe('a signing key given in the environment', () => {
  let h: Harness;
  afterAll(async () => {
    await h?.close();
  });

  it('signs with FIVECOLOR_SIGNING_KEY (PKCS#8) and publishes it', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    h = await createHarness('pglite', { reports: { signingKey: pem } });
    const partyId = (
      await h.as('clerk').party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(901),
        name: '孙某',
      })
    ).partyId;
    const r = await h.as('judge').report.issue.mutate({ partyId });
    expect(r.reportNo).toMatch(/^浙02-/);
    const keys = await (await h.app.request('http://local/.well-known/jwks.json')).json();
    expect(keys.keys[0].kid).toBe(r.kid);
    await compactVerify(r.signed, createLocalJWKSet(keys));
    expect(await h.db.db.query.signingKeys.findMany()).toEqual([]);
  });

  it("refuses a deployment court that is not a court code (it would start every report's number)", () => {
    for (const court of ['', 'Ningbo', '浙02 ', '浙021'])
      expect(() => new ReportKit('s'.repeat(32), { court })).toThrow(/^reports\.court: must be a court code/);
    expect(new ReportKit('s'.repeat(32), { court: '浙02' }).court).toBe('浙02');
  });

  it('rejects a key that is not Ed25519 with a clear message', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    const { parseSigningKey } = await import('./signing-keys.js');
    await expect(parseSigningKey(rsa.toString())).rejects.toThrow(/Ed25519/);
    await expect(parseSigningKey('nonsense')).rejects.toThrow(/FIVECOLOR_SIGNING_KEY/);
  });
});
