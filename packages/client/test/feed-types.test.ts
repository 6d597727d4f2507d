// Type-level tests, checked by `tsc --noEmit` (the first half of this package's `pnpm test`): an
// `expectTypeOf` that does not hold, or a `@ts-expect-error` line that is not an error, fails the
// typecheck. The tests also run under vitest, on sample values of the types they check.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ChangeItem, ChangeItemOf, Color, FivecolorClient, WebhookEvent } from '../src/index.js';

type ColorChange = {
  from: Color | null;
  to: Color;
  since: string | null;
  until: string | null;
  policyId: string | null;
  basis: string[];
  cause: string | null;
};
type ChangeColor = Extract<ChangeItem, { type: 'color.changed' }>;
type FeedRecord = NonNullable<Extract<ChangeItem, { type: 'record.created' }>['record']>;

const party = {
  kind: 'person' as const,
  idType: 'RESIDENT_ID',
  idNumber: '3302**********1234',
  name: '章**',
};
const record: FeedRecord = {
  recordId: 'rec_1',
  category: 'Y14',
  color: 'yellow',
  court: '浙0212',
  caseNumber: '（2026）浙0212执1号',
  effectiveFrom: '2026-01-01',
  effectiveUntil: '2029-01-01',
  repairs: [],
  source: 'court',
  externalId: null,
  revision: 0,
  revoked: false,
};
const head = { seq: 1, at: '2026-01-01T00:00:00.000Z', partyId: 'pty_1', party, cursor: 'c' };

/** What an integrator writes: narrow on `type`, then read what that type carries without `?.` or `!`. */
function describeChange(item: ChangeItem): string {
  switch (item.type) {
    case 'color.changed':
      expectTypeOf(item.color).toEqualTypeOf<ColorChange>();
      // @ts-expect-error a color change carries no record (never called: the check is the compiler's)
      void (() => item.record.recordId);
      return `${item.color.from} → ${item.color.to}`;
    case 'record.created':
    case 'record.repaired':
      expectTypeOf(item.record).toEqualTypeOf<FeedRecord>();
      // @ts-expect-error a record event carries no color change (never called)
      void (() => item.color.to);
      return item.record.recordId;
    case 'record.amended':
    case 'record.revoked':
      expectTypeOf(item.record).toEqualTypeOf<FeedRecord>();
      expectTypeOf(item.reason).toEqualTypeOf<string>();
      return `${item.record.recordId}: ${item.reason}`;
    case 'objection.filed':
      expectTypeOf(item.record).toEqualTypeOf<FeedRecord>();
      expectTypeOf(item.objection).toEqualTypeOf<{ objectionId: string; dueDate: string }>();
      return `${item.objection.objectionId} due ${item.objection.dueDate}`;
    case 'objection.resolved':
      expectTypeOf(item.objection).toEqualTypeOf<{
        objectionId: string;
        decision: 'upheld' | 'rejected';
      }>();
      return `${item.objection.objectionId} ${item.objection.decision}`;
    default:
      expectTypeOf(item).toBeNever();
      return item;
  }
}

describe('change-feed items and webhook events are unions by type', () => {
  it('narrowing a change item on its type gives the fields that type always carries', () => {
    expectTypeOf<ChangeItem['type']>().toEqualTypeOf<
      | 'record.created'
      | 'record.amended'
      | 'record.revoked'
      | 'record.repaired'
      | 'color.changed'
      | 'objection.filed'
      | 'objection.resolved'
    >();
    const color: ChangeColor = {
      ...head,
      type: 'color.changed',
      color: {
        from: null,
        to: 'yellow',
        since: '2026-01-01',
        until: null,
        policyId: 'p1',
        basis: ['rec_1'],
        cause: null,
      },
    };
    expect(describeChange(color)).toBe('null → yellow');
    expect(describeChange({ ...head, type: 'record.revoked', record, reason: '录入错误' })).toBe(
      'rec_1: 录入错误',
    );
    expect(
      describeChange({
        ...head,
        type: 'objection.resolved',
        record,
        objection: { objectionId: 'obj_1', decision: 'upheld' },
      }),
    ).toBe('obj_1 upheld');
    // fc.changes with `types` yields items of those types only, typed so.
    const follow = async (fc: FivecolorClient) => {
      for await (const change of fc.changes({ types: ['color.changed'], follow: false })) {
        expectTypeOf(change).toEqualTypeOf<ChangeItemOf<'color.changed'>>();
        expectTypeOf(change.color.to).toEqualTypeOf<Color>();
      }
      for await (const change of fc.changes({ follow: false }))
        expectTypeOf(change).toEqualTypeOf<ChangeItem>();
    };
    expect(follow).toBeTypeOf('function');
    // @ts-expect-error a color change without its color is not a change item
    const bare: ChangeItem = { ...head, type: 'color.changed' };
    void bare;
  });

  it('narrowing a webhook event on its type narrows its data alike', () => {
    const read = (event: WebhookEvent) => {
      if (event.type !== 'color.changed') return null;
      expectTypeOf(event.data.type).toEqualTypeOf<'color.changed'>();
      expectTypeOf(event.data.color).toEqualTypeOf<ColorChange>();
      expectTypeOf(event.data).not.toHaveProperty('cursor');
      return event.data.color.to;
    };
    const { cursor: _, ...data } = {
      ...head,
      type: 'color.changed' as const,
      color: {
        from: 'yellow' as const,
        to: 'green' as const,
        since: null,
        until: null,
        policyId: null,
        basis: [],
        cause: 'time',
      },
    };
    expect(read({ type: 'color.changed', timestamp: data.at, data })).toBe('green');
  });
});
