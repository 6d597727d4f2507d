import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The client for rate limits: the socket's address, or behind a trusted proxy the last X-Forwarded-For
 * hop, as {@link limitedAs} counts it; `unknown` when there is no socket (a request made in process).
 * The same rule as the report routes' limiter.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const hop = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (hop) return limitedAs(hop);
  }
  if (!c.env) return 'unknown'; // in process (app.request): no socket, and no exception to pay for
  try {
    return limitedAs(getConnInfo(c).remote.address ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/**
 * An address as limits count it: IPv4 as it is (also written IPv4-mapped, `::ffff:192.0.2.1`), IPv6 by
 * its /64 (`2001:db8:0:1::/64`) — a host is usually given a whole /64, and would otherwise have 2⁶⁴
 * addresses to spread its attempts over. Anything else is kept as it is.
 */
export function limitedAs(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!address.includes(':')) return address;
  // A zone (`%eth0`) and an embedded IPv4 tail (two groups) do not touch the first four groups.
  const [head = '', tail, extra] = address
    .replace(/%.*$/, '')
    .replace(/\d+(\.\d+){3}$/, '0:0')
    .split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (extra !== undefined || (tail === undefined ? missing !== 0 : missing < 1)) return address;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
