/** A token bucket's size and refill rate. */
export interface RateLimit {
  /** Most requests at once (the bucket's size). */
  burst: number;
  /** Requests per second once the burst is spent (the refill rate). */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (epoch ms). */
  at: number;
}

/**
 * Token buckets per client (address): `take` spends one or says how long to wait, `refund` gives one
 * back. Keeps at most `maxClients` buckets: when full, buckets that have refilled (the same as none)
 * are dropped, and failing that the oldest; so many addresses cost bounded memory, at worst forgetting
 * what some of them spent.
 */
export class RateLimiter {
  #buckets = new Map<string, Bucket>();
  /** Requests refused so far. */
  refused = 0;

  constructor(
    readonly limit: RateLimit,
    readonly maxClients = 50_000,
  ) {}

  /** Spends one request of `client`: 0 when allowed, else the seconds until one is (for Retry-After). */
  take(client: string, now: number): number {
    const { burst, perSecond } = this.limit;
    let b = this.#buckets.get(client);
    if (b === undefined) {
      this.#makeRoom(now);
      b = { tokens: burst, at: now };
      this.#buckets.set(client, b);
    } else if (now > b.at) {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    this.refused++;
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  }

  /** Gives back a request `take` spent (it turned out not to count). */
  refund(client: string): void {
    const b = this.#buckets.get(client);
    if (b) b.tokens = Math.min(this.limit.burst, b.tokens + 1);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #makeRoom(now: number): void {
    if (this.#buckets.size < this.maxClients) return;
    const { burst, perSecond } = this.limit;
    for (const [k, b] of this.#buckets)
      if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.#buckets.delete(k);
    // Still full: the oldest tenth go.
    let drop = this.#buckets.size >= this.maxClients ? Math.ceil(this.maxClients / 10) : 0;
    for (const k of this.#buckets.keys()) {
      if (drop-- <= 0) break;
      this.#buckets.delete(k);
    }
  }
}
