import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { FivecolorReportError, type JWKS, verifyReport } from './verify-report.js';

const report = {
  reportNo: 'FC-2026-000123',
  issuedAt: '2026-03-01T02:00:00.000Z',
  expiresAt: '2026-04-01T02:00:00.000Z',
  policyId: 'default-2022',
  party: { partyId: 'p1', kind: 'person', name: '章**' },
  classification: { color: 'yellow', since: '2026-02-01', until: '2027-02-01', basis: ['r1'] },
};
const during = new Date('2026-03-15T00:00:00Z');

let privateKey: CryptoKey;
let otherKey: CryptoKey;
let jwks: JWKS;

async function sign(
  payload: unknown,
  header: Record<string, unknown> = { alg: 'EdDSA', kid: 'court-2026' },
  key = privateKey,
) {
  const bytes = new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return new CompactSign(bytes).setProtectedHeader(header as { alg: string }).sign(key);
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FivecolorReportError);
    return (err as FivecolorReportError).reason;
  }
  throw new Error('expected verifyReport to reject');
}

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey;
  const pub: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'court-2026', alg: 'EdDSA', use: 'sig' };
  const old: JWK = {
    ...(await exportJWK((await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })).publicKey)),
    kid: 'court-2025',
  };
  jwks = { keys: [old, pub] };
});

describe('verifyReport', () => {
  it('returns the report, the kid and the expiry for a valid signed report', async () => {
    const v = await verifyReport(await sign(report), jwks, { now: during });
    expect(v.report).toEqual(report);
    expect(v.kid).toBe('court-2026');
    expect(v.expiresAt.toISOString()).toBe(report.expiresAt);
  });

  it('accepts a JWKS that went through JSON (as fetched from /.well-known/jwks.json)', async () => {
    const v = await verifyReport(await sign(report), JSON.parse(JSON.stringify(jwks)), { now: during });
    expect(v.report.reportNo).toBe(report.reportNo);
  });

  it('bad_signature: another key under the same kid, or a changed payload', async () => {
    expect(await reason(verifyReport(await sign(report, undefined, otherKey), jwks, { now: during }))).toBe(
      'bad_signature',
    );
    const [h, , s] = (await sign(report)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...report, classification: { color: 'green' } })).toString(
      'base64url',
    );
    expect(await reason(verifyReport(`${h}.${forged}.${s}`, jwks, { now: during }))).toBe('bad_signature');
  });

  it('unknown_kid: a kid the key set does not have', async () => {
    const signed = await sign(report, { alg: 'EdDSA', kid: 'court-2099' });
    expect(await reason(verifyReport(signed, jwks, { now: during }))).toBe('unknown_kid');
    await expect(verifyReport(signed, jwks, { now: during })).rejects.toThrow(/court-2099/);
  });

  it('expired: expiresAt has passed (now)', async () => {
    expect(await reason(verifyReport(await sign(report), jwks, { now: new Date(report.expiresAt) }))).toBe(
      'expired',
    );
    expect(await reason(verifyReport(await sign(report), jwks))).toBe('expired');
  });

  it('malformed: not a JWS, no kid, another alg, or a payload without the report fields', async () => {
    const now = { now: during };
    expect(await reason(verifyReport('not-a-jws', jwks, now))).toBe('malformed');
    expect(await reason(verifyReport('a.b.c', jwks, now))).toBe('malformed');
    expect(await reason(verifyReport(await sign(report, { alg: 'EdDSA' }), jwks, now))).toBe('malformed');
    const hmac = new TextEncoder().encode('0123456789abcdef0123456789abcdef');
    const hs = await new CompactSign(new TextEncoder().encode(JSON.stringify(report)))
      .setProtectedHeader({ alg: 'HS256', kid: 'court-2026' })
      .sign(hmac);
    expect(await reason(verifyReport(hs, jwks, now))).toBe('malformed');
    expect(await reason(verifyReport(await sign('not json'), jwks, now))).toBe('malformed');
    expect(await reason(verifyReport(await sign([report]), jwks, now))).toBe('malformed');
    for (const field of [
      'reportNo',
      'issuedAt',
      'expiresAt',
      'policyId',
      'party',
      'classification',
    ] as const) {
      const { [field]: _dropped, ...rest } = report;
      await expect(verifyReport(await sign(rest), jwks, now)).rejects.toThrow(
        new RegExp(`^malformed: ${field}`),
      );
    }
    const badColor = { ...report, classification: { color: 'purple' } };
    expect(await reason(verifyReport(await sign(badColor), jwks, now))).toBe('malformed');
    const badDate = { ...report, expiresAt: '2026-04-01' };
    await expect(verifyReport(await sign(badDate), jwks, now)).rejects.toThrow(/^malformed: expiresAt/);
  });

  it('rejects a key set that is not a JWKS with a TypeError', async () => {
    await expect(verifyReport(await sign(report), {} as JWKS)).rejects.toThrow(TypeError);
  });
});
