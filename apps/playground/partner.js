// The partner page of the demo receiver: polls GET /playground/webhook-receiver for the events it
// verified and shows them (newest first). Everything is written with textContent: nothing is HTML.
const RECEIVER = '/playground/webhook-receiver';
const COLORS = { green: '绿 green', red: '红 red', yellow: '黄 yellow', blue: '蓝 blue', gold: '金 gold' };
const rows = document.getElementById('events');
const status = document.getElementById('status');
let after = 0;

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  tr.append(td);
}

function detail(e) {
  if (e.color) return `${COLORS[e.color.from] ?? e.color.from ?? '—'} → ${COLORS[e.color.to] ?? e.color.to}`;
  return e.category ?? '';
}

function show(e) {
  const tr = document.createElement('tr');
  tr.className = 'arrived';
  cell(tr, new Date(e.receivedAt).toLocaleTimeString());
  cell(tr, e.verified ? '✓ 已核验 verified' : `✗ ${e.error}`, e.verified ? 'ok' : 'bad');
  cell(tr, e.type ?? '—');
  cell(tr, e.seq === undefined ? '—' : String(e.seq));
  cell(tr, e.party?.name ?? '—');
  cell(tr, detail(e));
  cell(tr, e.lagMs === undefined ? '—' : `${e.lagMs} ms`);
  rows.prepend(tr);
}

async function poll() {
  try {
    const res = await fetch(`${RECEIVER}?after=${after}`, { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const { subscribed, events } = await res.json();
    for (const e of events) {
      show(e);
      after = Math.max(after, e.n);
    }
    status.textContent = subscribed
      ? `已订阅，等待事件 · subscribed, waiting for events (${after} received)`
      : '接收端尚未订阅（仅 pnpm start 时订阅）· not subscribed (only pnpm start subscribes it)';
  } catch (err) {
    status.textContent = `接收端不可用 · receiver unavailable: ${err.message}`;
  }
  setTimeout(poll, 500);
}
poll();
