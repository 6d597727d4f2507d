// Glue a partner page needs: read ?token=&api=&lang= and pass them to the elements as attributes.
// api defaults to this page's origin (the reference server serves the API and /playground/ together).
const params = new URLSearchParams(location.search);
const api = params.get('api') || location.origin;
const token = params.get('token');
let lang = params.get('lang') === 'en' ? 'en' : 'zh-CN';

// The page's own words, in both languages (the elements translate themselves). Values are static.
const TEXT = {
  'zh-CN': {
    'index.title': '五色码 合作方示例页面',
    'index.pages': '页面',
    'index.bank': '银行“诚信履行贷”申请页：嵌入诚信诉讼码徽章和报告核验表单',
    'index.court':
      '法院在线诉讼服务平台：当事人登录，查看诚信诉讼码和记录、提出异议、出具报告、授权银行、查看谁查看过',
    'index.partner': '信用平台的 Webhook 接收端：法院推送的签名事件，核验后实时显示',
    'index.params': '参数：<code>?token=徽章令牌&amp;api=接口地址&amp;lang=en</code>（api 默认为本站）。',
    'bank.title': '示例银行 · 诚信履行贷',
    'bank.applicant': '申请人的诚信诉讼码',
    'bank.consent':
      '经申请人授权，本行展示法院出具的诚信诉讼码。金码（自动履行生效裁判）申请人可享受利率优惠。',
    'bank.verify': '核验交易对方的司法诚信报告',
    'bank.offer.gold': '您符合“诚信履行贷”利率优惠条件。',
    'bank.offer.red': '根据法院诚信诉讼信息，暂无法在线办理，请到网点咨询。',
    'bank.offer.other': '请继续填写申请信息。',
    'court.title': '示例市中级人民法院 · 在线诉讼服务平台',
    'court.mine': '我的诚信诉讼码',
    'court.about':
      '诚信诉讼码由法院根据工作人员录入的诚信诉讼记录按规则自动生成。下面可以查看每条记录及其依据，对有误的记录提出异议，出具司法诚信报告，授权银行查询，并查看谁查看过您的信息。',
    'court.signIn': '当事人登录',
    'court.demo':
      '演示：请选择一位示例当事人。真实的平台在这里核验身份（人脸识别、短信验证码等），再由服务器用平台密钥换取当事人会话。',
    'court.litigant': '当事人',
    'court.enter': '登录',
    'court.signOut': '退出登录',
    'court.handover': '把报告编号和验证码交给示例银行核验',
    'court.auto': '诚信诉讼码到期变更时，本页会自动更新。',
    'token.missing': '地址中没有徽章令牌（<code>?token=</code>）：请输入法院签发的徽章令牌。',
    'token.label': '徽章令牌',
    'token.show': '显示',
    toggle: 'English',
  },
  en: {
    'index.title': 'Five-Color Code partner playground',
    'index.pages': 'Pages',
    'index.bank': "A bank's integrity performance loan page: the code badge and the report verification form",
    'index.court':
      "The court's online-service portal: a litigant signs in, sees its code and records, objects, issues a report, gives a bank consent and sees who looked",
    'index.partner': "A partner's webhook receiver: the court's signed events, verified, as they arrive",
    'index.params':
      'Query parameters: <code>?token=badge-token&amp;api=API-base-URL&amp;lang=en</code> (api defaults to this origin).',
    'bank.title': 'Example Bank · integrity performance loan',
    'bank.applicant': "The applicant's integrity-litigation code",
    'bank.consent':
      "With the applicant's consent the bank shows the code the court issued. Applicants with a gold code (judgments performed automatically) get a better rate.",
    'bank.verify': "Verify a counterparty's judicial integrity report",
    'bank.offer.gold': 'You qualify for the integrity performance loan rate.',
    'bank.offer.red':
      "Given the court's integrity record, this cannot be done online; please visit a branch.",
    'bank.offer.other': 'Please go on with your application.',
    'court.title': 'Example Intermediate Court · online-service portal',
    'court.mine': 'My integrity-litigation code',
    'court.about':
      'The court computes the code by rule from the integrity records its staff enter. Below you can read each record and its basis, object to a wrong one, issue a judicial integrity report, give a bank consent, and see who looked at your data.',
    'court.signIn': 'Litigant sign-in',
    'court.demo':
      "Demo: choose one of the demo litigants. A real portal checks the litigant's identity here (face check, SMS code…), then its server exchanges its portal key for a party session.",
    'court.litigant': 'Litigant',
    'court.enter': 'Sign in',
    'court.signOut': 'Sign out',
    'court.handover': 'Hand the report number and code to the example bank to verify',
    'court.auto': 'This page updates itself when the code changes.',
    'token.missing':
      'The address has no badge token (<code>?token=</code>): enter the badge token the court issued.',
    'token.label': 'Badge token',
    'token.show': 'Show',
    toggle: '中文',
  },
};

const elements = () =>
  document.querySelectorAll(
    'fivecolor-badge, fivecolor-verify, fivecolor-report, fivecolor-party-records, fivecolor-report-issuer, fivecolor-consents, fivecolor-access-log',
  );
let offerKey = null;

function applyLang() {
  const text = TEXT[lang];
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = text[el.dataset.i18n];
  for (const el of document.querySelectorAll('[data-i18n-html]')) el.innerHTML = text[el.dataset.i18nHtml];
  for (const el of elements()) el.setAttribute('lang', lang);
  const offer = document.querySelector('#offer');
  if (offer && offerKey) offer.textContent = text[offerKey];
  const title = document.querySelector('h1[data-i18n]');
  if (title) document.title = title.textContent;
  const langField = document.querySelector('#token-form input[name=lang]');
  if (langField) langField.value = lang;
}

for (const el of elements()) el.setAttribute('api', api);
for (const el of document.querySelectorAll('fivecolor-badge')) {
  if (token) el.setAttribute('token', token);
  // Without a token the badge would wait forever: show the form that asks for one instead.
  else el.hidden = true;
}
const form = document.querySelector('#token-form');
if (form) {
  form.hidden = Boolean(token);
  if (params.get('api')) form.querySelector('input[name=api]').value = params.get('api');
  else form.querySelector('input[name=api]').remove();
}
applyLang();

document.querySelector('#lang-toggle')?.addEventListener('click', () => {
  lang = lang === 'en' ? 'zh-CN' : 'en';
  applyLang();
});

// Bank page: once a counterparty's report verifies, show it in full (it prints on A4).
const report = document.querySelector('#verified-report');
document.addEventListener('fivecolor-verified', (event) => {
  if (!report) return;
  const { valid, report: data } = event.detail;
  report.hidden = !(valid && data);
  if (valid && data) report.report = data;
});

// Bank page: a report handed over as ?reportNo=&code= (the court portal links here) is verified at once.
const handed = { reportNo: params.get('reportNo'), code: params.get('code') };
if (report && handed.reportNo && handed.code) {
  report.setAttribute('report-no', handed.reportNo);
  report.setAttribute('code', handed.code);
  report.hidden = false;
}

// Bank page: the loan offer depends on the applicant's code.
document.addEventListener('fivecolor-load', (event) => {
  const offer = document.querySelector('#offer');
  if (!offer || event.target.localName !== 'fivecolor-badge') return;
  const color = event.detail.color;
  offerKey = color === 'gold' ? 'bank.offer.gold' : color === 'red' ? 'bank.offer.red' : 'bank.offer.other';
  offer.textContent = TEXT[lang][offerKey];
});
