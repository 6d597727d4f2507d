// Glue a partner page needs: read ?token=&api=&lang= and pass them to the elements as attributes.
// api defaults to this page's origin (the reference server serves the API and /playground/ together).
const params = new URLSearchParams(location.search);
const api = params.get('api') || location.origin;
const token = params.get('token');
let lang = params.get('lang') === 'en' ? 'en' : 'zh-CN';

const elements = () => document.querySelectorAll('fivecolor-badge, fivecolor-verify, fivecolor-report');

for (const el of elements()) {
  el.setAttribute('api', api);
  el.setAttribute('lang', lang);
}
for (const el of document.querySelectorAll('fivecolor-badge')) {
  if (token) el.setAttribute('token', token);
}
const missing = document.querySelector('#missing-token');
if (missing) missing.hidden = Boolean(token);

const toggle = document.querySelector('#lang-toggle');
toggle?.addEventListener('click', () => {
  lang = lang === 'en' ? 'zh-CN' : 'en';
  for (const el of elements()) el.setAttribute('lang', lang);
  toggle.textContent = lang === 'en' ? '中文' : 'English';
});

// Bank page: once a counterparty's report verifies, show it in full (it prints on A4).
const report = document.querySelector('#verified-report');
document.addEventListener('fivecolor-verified', (event) => {
  if (!report) return;
  const { valid, report: data } = event.detail;
  report.hidden = !(valid && data);
  if (valid && data) report.report = data;
});

// Bank page: the loan offer depends on the applicant's code.
const offer = document.querySelector('#offer');
document.addEventListener('fivecolor-load', (event) => {
  if (!offer || event.target.localName !== 'fivecolor-badge') return;
  offer.textContent =
    event.detail.color === 'gold'
      ? '您符合“诚信履行贷”利率优惠条件。'
      : event.detail.color === 'red'
        ? '根据法院诚信诉讼信息，暂无法在线办理，请到网点咨询。'
        : '请继续填写申请信息。';
});
