// The court workbench. It talks to the API exactly as any integrator does: tRPC over plain HTTP
// (queries are GET with ?input=, mutations POST a JSON body) with `Authorization: Bearer <key>`.
const $ = (sel) => document.querySelector(sel);
const api = location.origin;
let key = sessionStorage.getItem('fivecolor-key') ?? '';
let categories = [];

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const show = (text) => {
  $('#message').textContent = text;
  if (!text) return;
  setTimeout(() => {
    if ($('#message').textContent === text) $('#message').textContent = '';
  }, 8000);
};

async function call(path, input, kind = 'mutation') {
  const headers = { Authorization: `Bearer ${key}` };
  const res =
    kind === 'query'
      ? await fetch(`${api}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input ?? {}))}`, {
          headers,
        })
      : await fetch(`${api}/trpc/${path}`, {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: JSON.stringify(input),
        });
  const body = await res.json();
  if (!res.ok || !body.result) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body.result.data;
}
const guarded = (fn) => async (event) => {
  event?.preventDefault();
  show('');
  try {
    await fn(event);
  } catch (err) {
    show(err.message);
  }
};

async function loadPolicy() {
  const policy = await call('policy.get', undefined, 'query');
  categories = policy.categories.filter((c) => c.code !== 'N01');
  $('#record select[name=category]').innerHTML = categories
    .map((c) => `<option value="${c.code}">${c.code} ${esc(c.zh)}（${c.color}）</option>`)
    .join('');
  $('#who').textContent = `已连接 ${api} · 规则 ${policy.id}`;
}

let current = null;
async function renderParty(partyId) {
  const [details, tl] = await Promise.all([
    call('party.get', { partyId, purpose: 'console' }, 'query'),
    call('party.timeline', { partyId, purpose: 'console' }, 'query'),
  ]);
  current = details;
  const { party, classification: c, records } = details;
  const name = (code) => categories.find((x) => x.code === code)?.zh ?? code;
  $('#party').innerHTML = `
    <div class="party-head">
      <fivecolor-badge id="party-badge"></fivecolor-badge>
      <div>
        <p><strong>${esc(party.name)}</strong>（${party.kind === 'org' ? '单位' : '自然人'}）${esc(party.idType)} ${esc(party.idNumber)}</p>
        <p>${esc(c.label)} · 自 ${c.since ?? '—'} · 至 ${c.until ?? '—'} · 依据 ${c.basis.length ? c.basis.map(esc).join(', ') : '—'}</p>
        <button type="button" class="secondary" id="issue-token">签发徽章令牌 (badge token)</button>
        <span id="token-out"></span>
      </div>
    </div>
    <h3>记录 (records)</h3>
    <table><thead><tr><th>类别</th><th>法院</th><th>案号</th><th>期间</th><th>状态</th><th></th></tr></thead><tbody>
    ${records
      .map(
        (
          r,
        ) => `<tr class="${r.revoked ? 'revoked' : ''}"><td>${r.category} ${esc(name(r.category))}</td><td>${esc(r.court)}</td>
        <td>${esc(r.caseNumber)}</td><td>${r.effectiveFrom} – ${r.effectiveUntil ?? '长期'}</td>
        <td>${r.revoked ? `已撤销：${esc(r.revokeReason)}` : '有效'}</td>
        <td>${r.revoked ? '' : `<button type="button" class="secondary" data-revoke="${r.recordId}">撤销</button>`}</td></tr>`,
      )
      .join('')}
    </tbody></table>
    <h3>颜色变化 (timeline)</h3>
    <p>${tl.segments.map((s) => `${s.from ?? '…'} → ${s.until ?? '…'}: <strong>${s.color}</strong>`).join('<br>')}</p>`;
  $('#party-badge').data = { color: c.color, label: c.label, name: party.name, asOf: c.asOf, until: c.until };
  $('#record-section').hidden = false;
}

$('#signin').addEventListener(
  'submit',
  guarded(async (e) => {
    key = new FormData(e.target).get('key').trim();
    sessionStorage.setItem('fivecolor-key', key);
    await loadPolicy();
  }),
);
$('#lookup').addEventListener(
  'submit',
  guarded(async (e) => {
    const f = new FormData(e.target);
    const found = await call('party.lookup', {
      idType: f.get('idType'),
      idNumber: f.get('idNumber'),
      purpose: 'console lookup',
    });
    await renderParty(found.party.partyId);
  }),
);
$('#party').addEventListener(
  'click',
  guarded(async (e) => {
    const id = e.target.dataset?.revoke;
    if (id) {
      const reason = prompt('撤销原因 (reason for revocation)');
      if (!reason) return;
      await call('record.revoke', { recordId: id, reason });
      await renderParty(current.party.partyId);
    } else if (e.target.id === 'issue-token') {
      const { token } = await call('party.issueBadgeToken', { partyId: current.party.partyId });
      $('#token-out').innerHTML =
        ` <a href="${api}/v1/badge/${esc(token)}" target="_blank">${esc(token)}</a>`;
    }
  }),
);
$('#record').addEventListener(
  'submit',
  guarded(async (e) => {
    const f = Object.fromEntries(new FormData(e.target));
    const input = {
      partyId: current.party.partyId,
      category: f.category,
      court: f.court,
      caseNumber: f.caseNumber,
      effectiveFrom: f.effectiveFrom,
    };
    if (f.effectiveUntil) input.effectiveUntil = f.effectiveUntil;
    if (f.note) input.note = f.note;
    await call('record.create', input);
    await renderParty(current.party.partyId);
  }),
);
$('#screen').addEventListener(
  'submit',
  guarded(async (e) => {
    const f = new FormData(e.target);
    const parties = String(f.get('parties'))
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((p) => p.length === 2)
      .map(([idType, idNumber]) => ({ idType, idNumber }));
    const r = await call('party.screen', { caseNumber: f.get('caseNumber'), parties });
    $('#screen-result').innerHTML = `<p>${esc(r.caseNumber)}：${r.alerts} 条预警</p><table>${r.results
      .map(
        (
          p,
        ) => `<tr><td>${p.index + 1}</td><td>${p.known ? esc(p.nameMasked) : '（未登记，绿码）'}</td><td>${esc(p.label)}</td>
      <td class="${p.alert ? 'alert' : ''}">${p.alert ? esc(p.alert.message) : ''}</td></tr>`,
      )
      .join('')}</table>`;
  }),
);
$('#stats-refresh').addEventListener(
  'click',
  guarded(async () => {
    const s = await call('stats.summary', undefined, 'query');
    $('#stats').innerHTML = `<p>当事人 ${s.parties} · 有效记录 ${s.records}</p>
    <p>${Object.entries(s.byColor)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' · ')}</p>
    <p>按法院：${Object.entries(s.byCourt)
      .map(([k, v]) => `${esc(k)} ${v}`)
      .join(' · ')}</p>`;
  }),
);

if (key) {
  $('#signin input[name=key]').value = key;
  guarded(loadPolicy)();
}
