import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeMetrics } from './runtime-metrics.js';

const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RuntimeMetrics', () => {
  let m: RuntimeMetrics | undefined;
  afterEach(() => m?.stop());

  it('counts a full garbage collection as a major pause, with its duration', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    m = new RuntimeMetrics();
    gc();
    await sleep(20); // the observer is told after the pause
    const after = m.render();
    expect(value(after, 'nodejs_gc_duration_seconds_count{kind="major"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'nodejs_gc_duration_seconds_sum{kind="major"}')).toBeGreaterThan(0);
    // Cumulative buckets: each holds at least the one below it.
    const buckets = [
      ...after.matchAll(/^nodejs_gc_duration_seconds_bucket\{kind="major",le="[^"]+"\} (\d+)$/gm),
    ].map((b) => Number(b[1]));
    expect(buckets).toHaveLength(10);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });

  it('reports how late the event loop ran since the previous scrape, beyond the timer interval', async () => {
    m = new RuntimeMetrics();
    await sleep(50);
    const block = Date.now();
    while (Date.now() - block < 250); // a 250 ms stall
    await sleep(30);
    const text = m.render();
    expect(value(text, 'fivecolor_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.23);
    expect(value(text, 'fivecolor_eventloop_lag_max_seconds')).toBeLessThan(5);
    // The idle samples: the timer's own 10 ms is not counted as lag.
    expect(value(text, 'fivecolor_eventloop_lag_min_seconds')).toBeLessThan(0.009);
    // A scrape starts a new window: right after one, nothing has been sampled yet.
    const next = m.render();
    for (const name of ['min', 'max', 'mean', 'p50', 'p90', 'p99'])
      expect(value(next, `fivecolor_eventloop_lag_${name}_seconds`)).toBe(0);
  });
});
