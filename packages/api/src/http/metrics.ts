const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Series {
  count: number;
  sum: number;
  buckets: number[];
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

  observe(method: string, route: string, status: number, seconds: number): void {
    const rk = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
    this.#requests.set(rk, (this.#requests.get(rk) ?? 0) + 1);
    const lk = `method="${esc(method)}",route="${esc(route)}"`;
    const s = this.#latency.get(lk) ?? { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
    this.#latency.set(lk, s);
    s.count++;
    s.sum += seconds;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    });
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
    for (const [k, s] of this.#latency) {
      for (const [i, b] of BUCKETS.entries()) {
        out.push(`fivecolor_http_request_duration_seconds_bucket{${k},le="${b}"} ${s.buckets[i]}`);
      }
      out.push(`fivecolor_http_request_duration_seconds_bucket{${k},le="+Inf"} ${s.count}`);
      out.push(`fivecolor_http_request_duration_seconds_sum{${k}} ${s.sum}`);
      out.push(`fivecolor_http_request_duration_seconds_count{${k}} ${s.count}`);
    }
    for (const [name, v] of Object.entries(extra)) {
      out.push(`# TYPE ${name} gauge`, `${name} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}
