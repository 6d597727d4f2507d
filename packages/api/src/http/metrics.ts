const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One histogram series: its count, sum and cumulative bucket counts (one per bound). */
export interface Series {
  count: number;
  sum: number;
  buckets: number[];
}

export const newSeries = (bounds: readonly number[]): Series => ({
  count: 0,
  sum: 0,
  buckets: bounds.map(() => 0),
});

/** Adds one observation of `value` to `s`, whose buckets have the upper bounds `bounds`. */
export function record(s: Series, bounds: readonly number[], value: number): void {
  s.count++;
  s.sum += value;
  for (let i = 0; i < bounds.length; i++)
    if (value <= (bounds[i] as number)) s.buckets[i] = (s.buckets[i] as number) + 1;
}

/** The Prometheus text lines of histogram `name`'s series `s` with `labels` (`a="x",b="y"`, or empty). */
export function histogramLines(name: string, labels: string, s: Series, bounds: readonly number[]): string[] {
  const le = labels ? `${labels},` : '';
  const own = labels ? `{${labels}}` : '';
  return [
    ...bounds.map((b, i) => `${name}_bucket{${le}le="${b}"} ${s.buckets[i]}`),
    `${name}_bucket{${le}le="+Inf"} ${s.count}`,
    `${name}_sum${own} ${s.sum}`,
    `${name}_count${own} ${s.count}`,
  ];
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Prometheus counters and latency histograms per (method, route pattern, status). Labels are route
 * patterns and procedure names only, never a path with a token or any personal data.
 */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<string, Series>();
  /** `method route status` → the label strings, escaped once per distinct series (this runs per request). */
  readonly #labels = new Map<string, { requests: string; latency: string }>();

  /** Webhook delivery attempts by outcome, and the latency of the attempts that got a response. */
  readonly #webhookOutcomes = new Map<string, number>();
  readonly #webhookLatency = newSeries(BUCKETS);

  /** One webhook delivery attempt: `delivered`, `retry`, `disabled` or `skipped`, and how long the POST took. */
  webhookDelivery(outcome: string, seconds: number | null): void {
    this.#webhookOutcomes.set(outcome, (this.#webhookOutcomes.get(outcome) ?? 0) + 1);
    if (seconds !== null) record(this.#webhookLatency, BUCKETS, seconds);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const id = `${method} ${route} ${status}`;
    let labels = this.#labels.get(id);
    if (!labels) {
      const latency = `method="${esc(method)}",route="${esc(route)}"`;
      labels = { requests: `${latency},status="${status}"`, latency };
      this.#labels.set(id, labels);
    }
    this.#requests.set(labels.requests, (this.#requests.get(labels.requests) ?? 0) + 1);
    let s = this.#latency.get(labels.latency);
    if (!s) {
      s = newSeries(BUCKETS);
      this.#latency.set(labels.latency, s);
    }
    record(s, BUCKETS, seconds);
  }

  render(extra: Record<string, number> = {}): string {
    const out: string[] = [
      '# HELP fivecolor_http_requests_total HTTP requests by method, route pattern and status.',
      '# TYPE fivecolor_http_requests_total counter',
    ];
    for (const [k, v] of this.#requests) out.push(`fivecolor_http_requests_total{${k}} ${v}`);
    out.push(
      '# HELP fivecolor_http_request_duration_seconds HTTP request latency by method and route pattern.',
    );
    out.push('# TYPE fivecolor_http_request_duration_seconds histogram');
    for (const [k, s] of this.#latency)
      out.push(...histogramLines('fivecolor_http_request_duration_seconds', k, s, BUCKETS));
    out.push(
      '# HELP fivecolor_webhook_deliveries_total Webhook delivery attempts by outcome (delivered, retry, disabled, skipped).',
      '# TYPE fivecolor_webhook_deliveries_total counter',
    );
    for (const [k, v] of this.#webhookOutcomes)
      out.push(`fivecolor_webhook_deliveries_total{outcome="${esc(k)}"} ${v}`);
    out.push(
      "# HELP fivecolor_webhook_delivery_duration_seconds Webhook POST latency, to the receiver's response.",
      '# TYPE fivecolor_webhook_delivery_duration_seconds histogram',
      ...histogramLines('fivecolor_webhook_delivery_duration_seconds', '', this.#webhookLatency, BUCKETS),
    );
    for (const [name, v] of Object.entries(extra)) {
      out.push(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`, `${name} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}
