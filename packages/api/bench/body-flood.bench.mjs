// pnpm bench (packages/api): the adversary's body flood, over a real socket. A party session sends 32
// bodies of 250 MB at once to consent.grant (chunked, generated as they are sent, so the sender holds
// none of them). Before the body limit this took the server to 8.3 GB RSS. Prints the server process's
// RSS at idle, at the peak and after, and what the requests got; the target is a peak within 100 MB of
// idle. The server runs in this process (RSS includes the sender, which holds one 64 KB chunk).
import { startTestServer } from '../src/testing/server.ts';

const FLOODS = Number(process.env.BENCH_FLOODS ?? 32);
const MB = 1024 * 1024;
const BODY = Number(process.env.BENCH_FLOOD_MB ?? 250) * MB;
const chunk = new Uint8Array(64 * 1024).fill(120);
const mb = (n) => `${Math.round(n / MB)} MB`;

const srv = await startTestServer();
const { partyId } = await srv.as('clerk').party.register.mutate({
  kind: 'person',
  idType: 'RESIDENT_ID',
  idNumber: '11010519491231002X',
  name: '章某某',
});
const { token } = await srv.as('portal').party.issueSession.mutate({ partyId });

globalThis.gc?.();
await new Promise((r) => setTimeout(r, 500));
const idle = process.memoryUsage().rss;
let peak = idle;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);

/** One flood: a chunked body of BODY bytes, generated lazily; resolves with the status (or the error). */
async function flood() {
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= BODY) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  try {
    const res = await fetch(`${srv.url}/trpc/consent.grant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    });
    await res.body?.cancel();
    return { status: res.status, sent };
  } catch (err) {
    return { status: `closed (${err.cause?.code ?? err.name})`, sent };
  }
}

const started = performance.now();
const results = await Promise.all(Array.from({ length: FLOODS }, flood));
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 500));
const after = process.memoryUsage().rss;
const statuses = {};
for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
const sentTotal = results.reduce((n, r) => n + r.sent, 0);

console.log('');
console.log(`body flood: ${FLOODS} × ${mb(BODY)} chunked to consent.grant in ${seconds.toFixed(1)} s`);
console.log(`  answers: ${JSON.stringify(statuses)}; sent before the refusal: ${mb(sentTotal)} in all`);
console.log(
  `  RSS idle ${mb(idle)}, peak ${mb(peak)} (+${mb(peak - idle)}), after ${mb(after)} (+${mb(after - idle)}); target: peak within 100 MB of idle — ${peak - idle <= 100 * MB ? 'met' : 'MISSED'}`,
);
await srv.close();
