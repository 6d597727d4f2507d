import { describe, expect, it } from 'vitest';
import { limitedAs } from './client-address.js';

describe('limitedAs', () => {
  it('counts an IPv6 address by its /64, however it is written', () => {
    for (const a of [
      '2001:db8:0:1::1',
      '2001:0DB8:0000:0001:ffff:ffff:ffff:ffff',
      '2001:db8:0:1:a:b:c:d%eth0',
      '2001:db8::1:0:0:0:9',
      '2001:db8:0:1::192.0.2.7',
    ])
      expect(limitedAs(a), a).toBe('2001:db8:0:1::/64');
    expect(limitedAs('2001:db8:0:2::1')).toBe('2001:db8:0:2::/64');
    expect(limitedAs('::1')).toBe('0:0:0:0::/64');
    expect(limitedAs('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  it('keeps IPv4 as it is, also written IPv4-mapped, and anything that is not an address', () => {
    expect(limitedAs('192.0.2.1')).toBe('192.0.2.1');
    expect(limitedAs('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(limitedAs('::FFFF:198.51.100.9')).toBe('198.51.100.9');
    for (const a of [
      'unknown',
      '1:2:3',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      'g::1',
      '12345::1',
      '1:2:3:4:5:6:7::8',
    ])
      expect(limitedAs(a), a).toBe(a);
  });
});
