import { type Color, colorLabel, idTypeLabel, type Policy } from '@fivecolor/core';
import type { exportParty } from '../services/export-service.js';
import {
  cstTime,
  type Doc,
  ensure,
  HEX,
  heading,
  M,
  pairs,
  renderPdf,
  table,
  UNDER_OBJECTION,
  WIDTH,
} from './pdf-kit.js';

/** What `party.export` returns: everything held about a party. */
export type PartyExport = Awaited<ReturnType<typeof exportParty>>;

const KIND: Record<string, string> = { person: '自然人 person', org: '组织 organization' };
const ROLE: Record<string, string> = {
  admin: '管理员 admin',
  clerk: '立案 clerk',
  judge: '法官 judge',
  enforcement: '执行 enforcement',
  bank: '银行 bank',
  exchange: '数据交换 exchange',
  portal: '在线服务平台 portal',
  party: '本人 party',
  public: '公众 public',
};
const OBJECTION: Record<string, string> = {
  open: '审查中 under review',
  overdue: '逾期未决 overdue',
  upheld: '成立 upheld',
  rejected: '驳回 rejected',
};

const color = (c: Color | string | null) =>
  c ? `${colorLabel(c as Color)} ${colorLabel(c as Color, 'en')}` : '—';
const day = (iso: string | null) => (iso ? cstTime(iso) : '—');

/**
 * The data export of a party (`party.export`, PIPL Art. 45) as a printable A4 PDF with bilingual
 * labels: identity, color, records with status and source, color timeline, reports issued, consents,
 * objections and who looked. Drawn with the report's PDF kit and CJK font.
 *
 * @example
 * const pdf = await renderExportPdf(await exportParty(caller, partyId), deps.policy);
 */
export function renderExportPdf(data: PartyExport, policy: Policy): Promise<Buffer> {
  return renderPdf(
    { Title: `个人信息导出 Data export ${data.party.partyId}`, Subject: 'Data export (PIPL Art. 45)' },
    (doc) => {
      title(doc, data);
      identity(doc, data);
      code(doc, data);
      records(doc, data, policy);
      timeline(doc, data);
      reports(doc, data);
      consents(doc, data);
      objections(doc, data, policy);
      accessLog(doc, data);
    },
  );
}

function title(doc: Doc, data: PartyExport) {
  doc.font('bold').fontSize(20).fillColor('#000').text('个人信息导出', M, M, { width: WIDTH });
  doc
    .font('regular')
    .fontSize(9)
    .fillColor('#555')
    .text('Data export: everything the integrity-litigation system holds about this party (PIPL Art. 45)', {
      width: WIDTH,
    });
  doc.moveDown(0.5);
  pairs(
    doc,
    [
      ['导出时间 Exported', `${cstTime(data.exportedAt)}（北京时间 CST）`],
      ['当事人编号 Party id', data.party.partyId],
    ],
    WIDTH,
    110,
  );
}

function identity(doc: Doc, data: PartyExport) {
  const p = data.party;
  heading(doc, '身份 Identity');
  pairs(
    doc,
    [
      ['名称 Name', p.name],
      ['类型 Kind', KIND[p.kind] ?? p.kind],
      ['证件类型 ID type', `${idTypeLabel(p.idType)} ${idTypeLabel(p.idType, 'en')}`],
      ['证件号码 ID number', p.idNumber],
      ['登记时间 Registered', day(p.createdAt)],
    ],
    WIDTH,
    110,
  );
}

function code(doc: Doc, data: PartyExport) {
  const c = data.classification;
  heading(doc, '诚信诉讼码 Code');
  ensure(doc, 30);
  const y = doc.y;
  doc.rect(M, y, 22, 22).fillColor(HEX[c.color]).fill();
  doc.rect(M, y, 22, 22).lineWidth(0.8).strokeColor('#000').stroke();
  doc
    .font('bold')
    .fontSize(15)
    .fillColor('#000')
    .text(color(c.color), M + 30, y + 2, { width: WIDTH - 30 });
  doc.y = y + 28;
  pairs(
    doc,
    [
      ['起始 Since', c.since ?? '—'],
      ['预计变更 Until', c.until ?? '无 none'],
      ['分级规则 Policy', c.policyId],
    ],
    WIDTH,
    110,
  );
}

/** A record's status in words: revoked, archived, pending, expired or in force, and an open objection. */
function recordStatus(r: PartyExport['records'][number], today: string): string {
  const state = r.revoked
    ? `已撤销 revoked${r.revokeReason ? `：${r.revokeReason}` : ''}`
    : r.archived
      ? '已归档 archived'
      : r.effectiveFrom > today
        ? '未生效 pending'
        : r.effectiveUntil !== null && r.effectiveUntil <= today
          ? '已到期 expired'
          : '有效 in force';
  return r.objection ? `${state}；${UNDER_OBJECTION}（${r.objection.dueDate} 前 due）` : state;
}

function categoryName(policy: Policy, code: string) {
  const cat = policy.categories.find((c) => c.code === code);
  return cat ? `${code} ${cat.zh}` : code;
}

function records(doc: Doc, data: PartyExport, policy: Policy) {
  heading(doc, `诚信诉讼记录 Records（${data.records.length}）`);
  if (data.records.length === 0) return pairs(doc, [['', '无记录 none']]);
  const today = cstTime(data.exportedAt).slice(0, 10);
  table(
    doc,
    [110, 130, 80, WIDTH - 390, 70],
    ['类别 Category', '法院 案号 Court, case', '生效期间 Effective', '状态 Status', '来源 Source'],
    data.records.map((r) => [
      `${categoryName(policy, r.category)}（${color(r.color)}）`,
      `${r.court} ${r.caseNumber}`,
      `${r.effectiveFrom} 至 ${r.effectiveUntil ?? '长期 open-ended'}`,
      recordStatus(r, today),
      r.source === 'court' ? '法院 court' : `${r.source}${r.externalId ? ` ${r.externalId}` : ''}`,
    ]),
  );
}

function timeline(doc: Doc, data: PartyExport) {
  heading(doc, '颜色变化记录 Color timeline');
  table(
    doc,
    [WIDTH / 3, WIDTH / 3, WIDTH / 3],
    ['颜色 Color', '自 From', '至 Until'],
    data.timeline.map((s) => [color(s.color), s.from ?? '—', s.until ?? '至今 now']),
  );
}

function reports(doc: Doc, data: PartyExport) {
  heading(doc, `已出具报告 Reports issued（${data.reports.length}）`);
  if (data.reports.length === 0) return pairs(doc, [['', '无 none']]);
  table(
    doc,
    [150, 110, 110, WIDTH - 370],
    ['报告编号 Report no.', '出具 Issued', '有效至 Expires', '颜色 Color'],
    data.reports.map((r) => [r.reportNo, day(r.issuedAt), day(r.expiresAt), color(r.color)]),
  );
}

function consents(doc: Doc, data: PartyExport) {
  heading(doc, `授权 Consents（${data.consents.length}）`);
  if (data.consents.length === 0) return pairs(doc, [['', '无 none']]);
  table(
    doc,
    [140, 90, 80, 100, WIDTH - 410],
    ['授权对象 Grantee', '范围 Scopes', '至 Until', '授权时间 Granted', '状态 Status'],
    data.consents.map((c) => [
      c.grantee,
      c.scopes.map((s) => (s === 'code' ? '诉讼码 code' : '报告 report')).join('、'),
      c.until,
      day(c.createdAt),
      c.revokedAt ? `已撤回 revoked ${day(c.revokedAt)}` : c.active ? '有效 active' : '已到期 expired',
    ]),
  );
}

function objections(doc: Doc, data: PartyExport, policy: Policy) {
  heading(doc, `异议 Objections（${data.objections.length}）`);
  if (data.objections.length === 0) return pairs(doc, [['', '无 none']]);
  const recordOf = new Map(data.records.map((r) => [r.recordId, r]));
  table(
    doc,
    [110, 80, 90, WIDTH - 280],
    ['记录 Record', '提出 Filed / 期限 Due', '状态 Status', '理由与决定 Reason, decision'],
    data.objections.map((o) => {
      const r = recordOf.get(o.recordId);
      return [
        r ? `${categoryName(policy, r.category)}\n${r.caseNumber}` : o.recordId,
        `${day(o.filedAt)}\n${o.dueDate}`,
        OBJECTION[o.overdue ? 'overdue' : o.status] ?? o.status,
        [
          o.reason,
          o.resolution ? `决定 Decision（${day(o.resolution.resolvedAt)}）：${o.resolution.reason}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      ];
    }),
  );
}

function accessLog(doc: Doc, data: PartyExport) {
  const items = data.accessLog.items;
  heading(doc, `查询与操作记录 Who looked（${items.length}${data.accessLog.truncated ? '+' : ''}）`);
  if (data.accessLog.truncated)
    pairs(doc, [['', `仅列出最近 ${items.length} 条 only the newest ${items.length} are listed`]]);
  table(
    doc,
    [90, 100, 130, 90, WIDTH - 410],
    ['时间 When', '角色 Role', '机构 Organization', '操作 Action', '目的 Purpose'],
    items.map((a) => [
      day(a.at),
      (a.actorRole && ROLE[a.actorRole]) ?? a.actorRole ?? '—',
      a.actorOrg ?? '—',
      a.action,
      a.purpose ?? '—',
    ]),
  );
}
