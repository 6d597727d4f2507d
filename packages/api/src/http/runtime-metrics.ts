import {
  constants,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
} from 'node:perf_hooks';
import { histogramLines, newSeries, record, type Series } from './metrics.js';

/** GC pause buckets (seconds): fine below 10 ms, where a badge request's p99 is decided. */
const GC_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** The event-loop timer's interval (ms). */
const RESOLUTION = 10;

/**
 * The process's own stalls: `nodejs_gc_duration_seconds{kind}`, a histogram of garbage-collection pauses
 * since start (prom-client's name and meaning, finer buckets), and
 * `fivecolor_eventloop_lag_{min,max,mean,p50,p90,p99}_seconds`, how late a 10 ms timer ran beyond its
 * 10 ms over the time since the previous scrape (each scrape starts a new window, as prom-client's
 * `nodejs_eventloop_lag_*` do; theirs include the 10 ms, hence names of our own). A request's tail latency
 * above what the host gives a bare server is one of these two.
 */
export class RuntimeMetrics {
  readonly #gc = new Map<string, Series>();
  readonly #observer: PerformanceObserver;
  readonly #lag: IntervalHistogram;

  constructor() {
    this.#observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
        let s = this.#gc.get(kind);
        if (!s) {
          s = newSeries(GC_BUCKETS);
          this.#gc.set(kind, s);
        }
        record(s, GC_BUCKETS, e.duration / 1000);
      }
    });
    this.#observer.observe({ entryTypes: ['gc'] });
    this.#lag = monitorEventLoopDelay({ resolution: RESOLUTION });
    this.#lag.enable();
  }

  /** The Prometheus text of both; the event-loop window restarts. */
  render(): string {
    const out = [
      '# HELP nodejs_gc_duration_seconds Garbage collection pauses by kind (minor, major, incremental, weakcb).',
      '# TYPE nodejs_gc_duration_seconds histogram',
    ];
    for (const [kind, s] of this.#gc)
      out.push(...histogramLines('nodejs_gc_duration_seconds', `kind="${kind}"`, s, GC_BUCKETS));
    const h = this.#lag;
    // Each sample is the timer's whole interval: what is late is what exceeds RESOLUTION. With no sample
    // yet (a scrape right after the previous one) the histogram's extremes are meaningless.
    const s = (ns: number) =>
      h.count > 0 && Number.isFinite(ns) ? Math.max(0, ns / 1e9 - RESOLUTION / 1e3) : 0;
    const lag: [string, number][] = [
      ['min', h.min],
      ['max', h.max],
      ['mean', h.mean],
      ['p50', h.percentile(50)],
      ['p90', h.percentile(90)],
      ['p99', h.percentile(99)],
    ];
    for (const [name, ns] of lag)
      out.push(
        `# HELP fivecolor_eventloop_lag_${name}_seconds Event-loop delay since the previous scrape: ${name}.`,
        `# TYPE fivecolor_eventloop_lag_${name}_seconds gauge`,
        `fivecolor_eventloop_lag_${name}_seconds ${s(ns)}`,
      );
    h.reset();
    return `${out.join('\n')}\n`;
  }

  stop(): void {
    this.#observer.disconnect();
    this.#lag.disable();
  }
}
