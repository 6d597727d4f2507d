// The benchmark's load generator, in a process of its own: autocannon then runs in a small, clean heap.
// In the benchmark process it shared a heap with the seeding's leftovers and a million tokens, and its own
// garbage-collection pauses were counted as the server's latency: on one machine, one day, bare Hono's p99
// was 7-8 ms measured from there and 2 ms from here. Each message is one run; `requests` are paths, or
// {path, method, headers, body}.
import autocannon from 'autocannon';

process.on('message', async (run) => {
  try {
    process.send(await measure(run));
  } catch (err) {
    process.send({ error: err instanceof Error ? err.message : String(err) });
  }
});
process.send({ ready: true });

async function measure({ url, requests, connections, duration, amount }) {
  globalThis.gc?.(); // the previous run's request list, before this run's clock starts
  let i = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await autocannon({
    url,
    connections,
    ...(amount ? { amount } : { duration }),
    requests: [
      {
        setupRequest: (req) => {
          const r = requests[i++ % requests.length];
          return typeof r === 'string' ? { ...req, path: r } : { ...req, ...r };
        },
      },
    ],
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    // The share of a CPU the load generator used (all its threads, so it can pass 100 %): near 100 %
    // it, not the server, sets the pace.
    busy: (cpu.user + cpu.system) / 1000 / (performance.now() - started),
  };
}
