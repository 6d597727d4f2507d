import { describe, expect, it } from 'vitest';
import { cstDayStart, formatWhen, safeHttpUrl } from './format.js';

describe('formatWhen', () => {
  it('shows an instant in China Standard Time', () => {
    expect(formatWhen('2026-01-01T16:30:00Z')).toBe('2026-01-02 00:30');
    expect(formatWhen('2026-03-01T10:00:00+08:00')).toBe('2026-03-01 10:00');
  });
  it('keeps a date and anything unparsable as given', () => {
    expect(formatWhen('2026-03-01')).toBe('2026-03-01');
    expect(formatWhen('soon')).toBe('soon');
    expect(formatWhen(null)).toBe('');
  });
});

describe('cstDayStart', () => {
  it('is 00:00+08:00 of the date', () => {
    expect(new Date(cstDayStart('2026-03-02')).toISOString()).toBe('2026-03-01T16:00:00.000Z');
    expect(cstDayStart('2026-3-2')).toBeNaN();
  });
});

describe('safeHttpUrl', () => {
  it('keeps http(s) URLs only', () => {
    expect(safeHttpUrl('https://court.example/v?a=1')).toBe('https://court.example/v?a=1');
    expect(safeHttpUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeHttpUrl('/relative')).toBeUndefined();
    expect(safeHttpUrl(42)).toBeUndefined();
  });
});
