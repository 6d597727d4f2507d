import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addDuration, dateToNumber, isIsoDate, numberToDate, parseDuration, toCstDate } from './dates.js';

describe('toCstDate of now (the last day kept)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('follows the clock across Shanghai midnight, forward and back', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T15:59:59.999Z'));
    expect(toCstDate(new Date())).toBe('2026-01-01');
    vi.setSystemTime(new Date('2026-01-01T16:00:00Z'));
    expect(toCstDate(new Date())).toBe('2026-01-02');
    vi.setSystemTime(new Date('2026-01-01T15:59:59.999Z'));
    expect(toCstDate(new Date())).toBe('2026-01-01');
  });
  it('gives every instant in a row its own day, before 1970 too', () => {
    const day = 86_400_000;
    const oracle = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -2_208_988_800_000, max: 4_102_444_800_000 }),
            // Instants next to a Shanghai midnight, where a kept day would go wrong first.
            fc
              .tuple(fc.integer({ min: -25_567, max: 47_482 }), fc.integer({ min: -2, max: 1 }))
              .map(([d, off]) => d * day - 8 * 3_600_000 + off),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (instants) => {
          for (const ms of instants) expect(toCstDate(new Date(ms))).toBe(oracle(ms));
        },
      ),
    );
  });
});

describe('toCstDate', () => {
  it('takes the Asia/Shanghai calendar date of an instant', () => {
    expect(toCstDate('2026-01-01T16:30:00Z')).toBe('2026-01-02');
    expect(toCstDate('2026-01-01T15:59:59.999Z')).toBe('2026-01-01');
    expect(toCstDate('2026-01-01T16:00:00Z')).toBe('2026-01-02');
    expect(toCstDate(new Date(Date.UTC(2024, 1, 28, 16, 0)))).toBe('2024-02-29');
    expect(toCstDate('2024-12-31T23:59:59+08:00')).toBe('2024-12-31');
    expect(toCstDate('2025-01-01T00:00:00+08:00')).toBe('2025-01-01');
  });
  it('passes a calendar date through and rejects nonsense', () => {
    expect(toCstDate('2024-02-29')).toBe('2024-02-29');
    expect(() => toCstDate('2023-02-29')).toThrow(/not a real date/);
    expect(() => toCstDate('yesterday')).toThrow(TypeError);
    expect(() => toCstDate(new Date(Number.NaN))).toThrow(/not a valid date-time/);
  });
});

describe('addDuration', () => {
  it('adds calendar units and clamps to the month end', () => {
    expect(addDuration('2024-02-29', 'P1Y')).toBe('2025-02-28');
    expect(addDuration('2024-02-29', 'P4Y')).toBe('2028-02-29');
    expect(addDuration('2024-01-31', 'P1M')).toBe('2024-02-29');
    expect(addDuration('2023-01-31', 'P1M')).toBe('2023-02-28');
    expect(addDuration('2024-08-31', 'P6M')).toBe('2025-02-28');
    expect(addDuration('2024-03-31', 'P1Y1M')).toBe('2025-04-30');
    expect(addDuration('2024-12-31', 'P1D')).toBe('2025-01-01');
    expect(addDuration('2024-02-28', 'P1D')).toBe('2024-02-29');
    expect(addDuration('2024-02-22', 'P1W')).toBe('2024-02-29');
    expect(addDuration('2021-05-10', 'P5Y')).toBe('2026-05-10');
  });
  it('rejects what is not a date duration', () => {
    expect(() => addDuration('2024-01-01', 'PT1H')).toThrow(/ISO 8601 date duration/);
    expect(() => addDuration('2024-01-01', 'P')).toThrow(TypeError);
    expect(() => addDuration('2024-13-01', 'P1Y')).toThrow(/not a real date/);
    expect(parseDuration('P1Y6M')).toEqual({ years: 1, months: 6, days: 0 });
  });
  it('matches the platform calendar for whole days', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 0, max: 3000 }), (offset, days) => {
        const start = new Date(Date.UTC(1950, 0, 1) + offset * 86_400_000);
        const iso = start.toISOString().slice(0, 10);
        const expected = new Date(start.getTime() + days * 86_400_000).toISOString().slice(0, 10);
        expect(addDuration(iso, `P${days}D`)).toBe(expected);
      }),
    );
  });
});

describe('calendar dates', () => {
  it('knows real dates, leap years included', () => {
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('1900-02-29')).toBe(false);
    expect(isIsoDate('2024-04-31')).toBe(false);
    expect(isIsoDate('2024-4-30')).toBe(false);
    expect(isIsoDate('2024-04-3a')).toBe(false);
    expect(isIsoDate(20240430)).toBe(false);
  });
  it('round-trips through numbers in date order', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString().slice(0, 10);
          expect(numberToDate(dateToNumber(iso))).toBe(iso);
        },
      ),
    );
  });
});
