// The court portal page's glue: sign a demo litigant in, hand the party session to the elements as a
// property (never an attribute), and get a new session when one expires.
//
// A real portal authenticates the litigant itself and then, server to server with its `portal` API
// key, calls `party.issueSession`; the demo server does that behind POST /demo/session, so the key
// never reaches the browser.
const params = new URLSearchParams(location.search);
const api = params.get('api') || location.origin;
const $ = (selector) => document.querySelector(selector);
const zh = () => document.documentElement.lang !== 'en';
const say = (zhText, enText) => ($('#signin-message').textContent = zh() ? zhText : enText);
const portalElements = () => document.querySelectorAll('.portal-part');
const STORE = 'fivecolor-demo-party';

async function json(res) {
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error ?? `HTTP ${res.status}`);
  return body;
}

/** The portal server's answer: a party session for the litigant it has authenticated. */
const newSession = (partyId) =>
  fetch(`${api}/demo/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ partyId }),
  }).then(json);

/** The party's own badge token (a party session may issue one: `party.issueBadgeToken`). */
async function badgeToken(session, partyId) {
  const res = await fetch(`${api}/trpc/party.issueBadgeToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session}` },
    body: JSON.stringify({ partyId }),
  });
  return (await json(res)).result.data.token;
}

async function signIn(partyId) {
  say('正在登录…', 'Signing in…');
  const { token } = await newSession(partyId);
  for (const el of portalElements()) el.session = token;
  const badge = $('#own');
  badge.setAttribute('token', await badgeToken(token, partyId));
  badge.hidden = false;
  sessionStorage.setItem(STORE, partyId);
  $('#signin').hidden = true;
  $('#portal').hidden = false;
  $('#sign-out').hidden = false;
  const option = [...$('#litigant').options].find((o) => o.value === partyId);
  $('#who').textContent = option ? option.textContent : '';
  say('', '');
}

function signOut() {
  sessionStorage.removeItem(STORE);
  for (const el of portalElements()) el.session = undefined;
  $('#own').hidden = true;
  $('#portal').hidden = true;
  $('#signin').hidden = false;
  $('#sign-out').hidden = true;
  $('#who').textContent = '';
  $('#handover').hidden = true;
}

// A session lives 15 minutes: when an element says it was refused, the portal gets a new one.
let renewing = null;
document.addEventListener('fivecolor-session-expired', () => {
  const partyId = sessionStorage.getItem(STORE);
  if (!partyId) return signOut();
  renewing ??= newSession(partyId)
    .then(({ token }) => {
      for (const el of portalElements()) el.session = token;
    })
    .catch(() => signOut())
    .finally(() => {
      setTimeout(() => (renewing = null), 5000);
    });
});

// An objection flags the party's own badge "under objection": fetch it again rather than wait for it.
document.addEventListener('fivecolor-objection-filed', () => {
  const badge = $('#own');
  if (!badge.hidden && badge.token) badge.refresh().catch(() => {});
});

// The counterparty gets the report number and code; the demo bank page verifies them.
document.addEventListener('fivecolor-report-issued', (event) => {
  const { reportNo, code } = event.detail;
  const link = $('#handover-link');
  const q = new URLSearchParams({ reportNo, code, lang: document.documentElement.lang });
  if (params.get('api')) q.set('api', api);
  link.href = `./bank.html?${q}`;
  $('#handover').hidden = false;
});

$('#signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn($('#litigant').value).catch((err) =>
    say(`登录失败：${err.message}`, `Could not sign in: ${err.message}`),
  );
});
$('#sign-out').addEventListener('click', signOut);

fetch(`${api}/demo/litigants`)
  .then(json)
  .then((litigants) => {
    const select = $('#litigant');
    for (const l of litigants) select.append(new Option(l.label, l.partyId));
    const remembered = sessionStorage.getItem(STORE);
    if (remembered && litigants.some((l) => l.partyId === remembered)) return signIn(remembered);
  })
  .catch((err) =>
    say(
      `无法获取示例当事人（${err.message}）：请用 pnpm start 启动演示服务器。`,
      `Cannot list the demo litigants (${err.message}): start the demo server with pnpm start.`,
    ),
  );
