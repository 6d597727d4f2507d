import { describe, expect, it } from 'vitest';
import { batchDigest, batchProof, batchRecordId, newBatchPrefix } from './batch-digest.js';
import { rowHash } from './row-hash.js';

describe('batchProof', () => {
  it('digests the same row hashes rowHash gives, whatever the values (nulls, dates, arrays, quotes, CJK)', () => {
    const prefix = newBatchPrefix();
    const at = new Date('2026-12-01T08:00:00.123Z');
    const rows = [
      {
        id: batchRecordId(prefix, 0),
        partyId: 'pty_1',
        category: 'Y05',
        caseNumber: '（2015）甬民二终字第123号',
        effectiveFrom: '2024-03-01',
        effectiveUntil: null,
        repairs: null,
        note: 'a "quoted" note, with\nnew line and \\ backslash',
        revision: 0,
        revokedAt: null,
        createdBy: 'cli',
        createdAt: at,
      },
      {
        id: batchRecordId(prefix, 1),
        partyId: 'pty_2',
        category: 'B01',
        caseNumber: '（2020）浙0212民初1号',
        effectiveFrom: '2024-03-01',
        effectiveUntil: '2027-03-01',
        repairs: ['rec_a', 'rec_b'],
        note: undefined,
        revision: 0,
        revokedAt: null,
        createdBy: 'cli',
        createdAt: at,
        extra: { b: 1, a: [true, null] },
      },
    ];
    const proof = batchProof(prefix, rows);
    expect(proof).toEqual({
      prefix,
      count: 2,
      digest: batchDigest(rows.map((r) => rowHash('records', r))),
    });
    const changed = rows.map((r, i) => (i === 1 ? { ...r, note: 'x' } : r));
    expect(batchProof(prefix, changed).digest).not.toBe(proof.digest);
  });
});
