export interface FailureLimit {
  /** Failures allowed in one window. */
  max: number;
  windowMs: number;
}

export interface FailureLimiterOptions {
  /** Wrong codes for one report, from anywhere (default 20 per hour). */
  perReport?: FailureLimit;
  /** Wrong codes or unknown report numbers from one client (default 10 per 15 minutes). */
  perClient?: FailureLimit;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Counts failed verification attempts in fixed windows, per report and per client, in this
 * process. While either count is exhausted every attempt is refused, right code included — else a
 * refusal for wrong codes only would itself tell a guesser when it found the code.
 */
export class FailureLimiter {
  readonly perReport: FailureLimit;
  readonly perClient: FailureLimit;
  readonly #windows = new Map<string, Window>();
  #ops = 0;

  constructor(opts: FailureLimiterOptions = {}) {
    this.perReport = opts.perReport ?? { max: 20, windowMs: 60 * 60_000 };
    this.perClient = opts.perClient ?? { max: 10, windowMs: 15 * 60_000 };
  }

  #current(key: string, limit: FailureLimit, now: number): Window | undefined {
    const w = this.#windows.get(key);
    if (w && now - w.start >= limit.windowMs) {
      this.#windows.delete(key);
      return undefined;
    }
    return w;
  }

  /** Seconds until the caller may try again, or 0 when it may try now. */
  blockedFor(reportNo: string, client: string, now: number): number {
    let wait = 0;
    for (const [key, limit] of this.#keys(reportNo, client)) {
      const w = this.#current(key, limit, now);
      if (w && w.count >= limit.max) wait = Math.max(wait, w.start + limit.windowMs - now);
    }
    return Math.ceil(wait / 1000);
  }

  /** Records one failure; `reportExists` false counts against the client only. */
  fail(reportNo: string, client: string, reportExists: boolean, now: number): void {
    if (++this.#ops % 1000 === 0) this.#sweep(now);
    for (const [key, limit] of this.#keys(reportNo, client)) {
      if (!reportExists && key.startsWith('r:')) continue;
      const w = this.#current(key, limit, now);
      if (w) w.count++;
      else this.#windows.set(key, { start: now, count: 1 });
    }
  }

  #keys(reportNo: string, client: string): [string, FailureLimit][] {
    return [
      [`r:${reportNo}`, this.perReport],
      [`c:${client}`, this.perClient],
    ];
  }

  #sweep(now: number): void {
    const longest = Math.max(this.perReport.windowMs, this.perClient.windowMs);
    for (const [key, w] of this.#windows) if (now - w.start >= longest) this.#windows.delete(key);
  }
}
