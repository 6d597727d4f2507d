import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { activePolicy, createApiKey, type Db, schema } from '@fivecolor/api';
import { createClient, type FivecolorClient } from '@fivecolor/client';
import { addDuration, toCstDate } from '@fivecolor/core';
import { count } from 'drizzle-orm';
import type { Hono } from 'hono';
import { seedSynthetic } from './seed.js';
import { residentId, uscc } from './synthetic-ids.js';

/** What `pnpm start` prints and keeps in `<dataDir>/demo.json` (mode 0600) so a restart shows the same. */
export interface DemoData {
  keys: Record<'admin' | 'clerk' | 'judge' | 'enforcement' | 'bank' | 'exchange' | 'portal', string>;
  stories: {
    title: string;
    color: string;
    partyId: string;
    kind: 'person' | 'org';
    idType: string;
    /** Fictional, valid identity numbers: what a newcomer types into the console's lookup. */
    idNumber: string;
    name: string;
    badgeToken: string;
    /** A report the judge issued for the story, ready to verify (number + code). */
    report: { reportNo: string; code: string };
  }[];
  screening: { caseNumber: string; alerts: number };
  synthetic: { parties: number; colors: Record<string, number> };
}

const DEMO_FILE = 'demo.json';

/**
 * The SDK's typed client of `app`, called in process (`app.request`) exactly as an integrator calls the
 * API over the network.
 */
export function demoClient(app: Hono, key: string): FivecolorClient {
  return createClient({
    url: 'http://demo.local',
    apiKey: key,
    fetch: async (input, init) => app.request(input instanceof Request ? input.url : String(input), init),
  });
}

/** Loads the demo data of an earlier start, if any. */
export async function loadDemo(dataDir: string): Promise<DemoData | null> {
  try {
    return JSON.parse(await readFile(join(dataDir, DEMO_FILE), 'utf8')) as DemoData;
  } catch {
    return null;
  }
}

/** How many parties the database holds (the demo seeds only an empty one). */
export async function countParties(db: Db): Promise<number> {
  const [row] = await db.db.select({ n: count() }).from(schema.parties);
  return row?.n ?? 0;
}

/**
 * Seeds a fresh database with the demo: keys for every role, the four seed stories entered through the
 * API (a false-litigation crime, a professional lender flagged at filing, a bath-products company repaired
 * to blue, an automatic performer), and `parties` synthetic parties.
 */
export async function seedDemo(opts: {
  db: Db;
  app: Hono;
  secret: string;
  dataDir: string;
  parties: number;
  persist: boolean;
}): Promise<DemoData> {
  const { db, app, secret } = opts;
  if ((await countParties(db)) > 0)
    throw new Error('the database already has parties: the demo seeds only an empty database');
  const keys = await createDemoKeys(db, secret);
  const kit = storyKit(app, keys, toCstDate(new Date()));
  const falseLitigant = await falseLitigantStory(kit);
  const { story: lender, screening } = await professionalLenderStory(kit);
  const bathCompany = await repairedCompanyStory(kit);
  const performer = await automaticPerformerStory(kit);
  const synthetic = await seedSynthetic(db, secret, {
    parties: opts.parties,
    offset: 1,
    policy: (await activePolicy(db)) ?? undefined,
  });
  const demo: DemoData = {
    keys,
    stories: [falseLitigant, lender, bathCompany, performer],
    screening,
    synthetic: { parties: synthetic.parties, colors: synthetic.colors },
  };
  if (opts.persist) await saveDemo(opts.dataDir, demo);
  return demo;
}

/** An API key for every role but party; the court roles' keys are bound to a court. */
async function createDemoKeys(db: Db, secret: string): Promise<DemoData['keys']> {
  const key = async (role: keyof DemoData['keys'], name: string, court?: string) =>
    (await createApiKey(db, secret, { role, name, org: name, ...(court ? { court } : {}) })).key;
  return {
    admin: await key('admin', '宁波中院信息中心'),
    clerk: await key('clerk', '鄞州法院立案庭', '浙0212'),
    judge: await key('judge', '宁波中院民二庭', '浙02'),
    enforcement: await key('enforcement', '宁波中院执行局', '浙02'),
    bank: await key('bank', '宁波银行'),
    exchange: await key('exchange', '信用宁波'),
    portal: await key('portal', '宁波法院在线诉讼服务平台'),
  };
}

type Story = DemoData['stories'][number];

/** Who a story is about, before the court has heard of them. */
type Who = Pick<Story, 'title' | 'color' | 'kind' | 'idType' | 'idNumber' | 'name'>;

/** What the stories are told with: the court roles' API callers and dates relative to today. */
interface StoryKit {
  judge: FivecolorClient;
  clerk: FivecolorClient;
  enforcement: FivecolorClient;
  /** The party itself, through a session the court's portal issues. */
  asParty(partyId: string): Promise<FivecolorClient>;
  /** Today (CST). */
  today: string;
  /** This year (CST). */
  year: number;
  /** n months before today, day clamped to 28 (close enough for demo dates). */
  monthsAgo(n: number): string;
  /**
   * Registers the party, lets `enter` enter its records, then issues it a badge token and a report (the
   * judge), so the banner can show each story four ways.
   */
  tell(who: Who, enter: (partyId: string) => Promise<void>): Promise<Story>;
}

function storyKit(app: Hono, keys: DemoData['keys'], today: string): StoryKit {
  const judge = demoClient(app, keys.judge);
  return {
    judge,
    clerk: demoClient(app, keys.clerk),
    enforcement: demoClient(app, keys.enforcement),
    async asParty(partyId) {
      const { token } = await demoClient(app, keys.portal).party.issueSession.mutate({ partyId });
      return demoClient(app, token);
    },
    today,
    year: Number(today.slice(0, 4)),
    monthsAgo(n) {
      const [y, m, d] = today.split('-').map(Number) as [number, number, number];
      return new Date(Date.UTC(y, m - 1 - n, Math.min(d, 28))).toISOString().slice(0, 10);
    },
    async tell(who, enter) {
      const { kind, idType, idNumber, name } = who;
      const { partyId } = await judge.party.register.mutate({ kind, idType, idNumber, name });
      await enter(partyId);
      const { token } = await judge.party.issueBadgeToken.mutate({ partyId });
      const { reportNo, code } = await judge.report.issue.mutate({ partyId, purpose: 'demo' });
      return { ...who, partyId, badgeToken: token, report: { reportNo, code } };
    },
  };
}

function falseLitigantStory({ judge, year, monthsAgo, tell }: StoryKit): Promise<Story> {
  const who: Who = {
    title: '虚假诉讼罪：红码五年 (false litigation crime: red for five years)',
    color: 'red',
    kind: 'person',
    idType: 'RESIDENT_ID',
    idNumber: residentId(990_001),
    name: '章某某',
  };
  return tell(who, async (partyId) => {
    await judge.record.create.mutate({
      partyId,
      category: 'R01',
      court: '浙0212',
      caseNumber: `（${year - 1}）浙0212刑初318号`,
      effectiveFrom: monthsAgo(12),
      note: '以捏造的事实提起民事诉讼，妨害司法秩序，判处有期徒刑',
    });
  });
}

/**
 * The lender's record, then a new case of theirs screened at filing (one alert: the lender) and marked for
 * the trial judge; the lender consents to the demo's bank (宁波银行) reading its code and reports.
 */
async function professionalLenderStory(
  kit: StoryKit,
): Promise<{ story: Story; screening: DemoData['screening'] }> {
  const { judge, clerk, asParty, today, year, monthsAgo, tell } = kit;
  const who: Who = {
    title: '职业放贷人：立案时黄码预警 (professional lender flagged at filing)',
    color: 'yellow',
    kind: 'person',
    idType: 'RESIDENT_ID',
    idNumber: residentId(990_002),
    name: '李某',
  };
  const newCase = `（${year}）浙0212民初1001号`;
  let alerts = 0;
  const story = await tell(who, async (partyId) => {
    await judge.record.create.mutate({
      partyId,
      category: 'Y01',
      court: '浙02',
      caseNumber: `（${year - 1}）浙02民终77号`,
      effectiveFrom: monthsAgo(6),
      note: '两年内作为出借人起诉民间借贷案件十余件，认定为职业放贷人',
    });
    const screened = await clerk.party.screen.mutate({
      caseNumber: newCase,
      parties: [
        { idType: 'RESIDENT_ID', idNumber: who.idNumber },
        { idType: 'RESIDENT_ID', idNumber: residentId(990_099) },
      ],
    });
    alerts = screened.results.filter((r) => r.alert).length;
    await clerk.party.markCase.mutate({ caseNumber: newCase, note: '职业放贷人，请审查借贷关系的真实性' });
    // Applying for a loan, the lender lets the demo's bank read its code and reports for a year.
    await (await asParty(partyId)).consent.grant.mutate({
      grantee: '宁波银行',
      scopes: ['code', 'report'],
      until: addDuration(today, 'P1Y'),
    });
  });
  return { story, screening: { caseNumber: newCase, alerts } };
}

function repairedCompanyStory({ enforcement, year, monthsAgo, tell }: StoryKit): Promise<Story> {
  const who: Who = {
    title: '洗浴用品公司：信用修复为蓝码 (bath-products company repaired to blue)',
    color: 'blue',
    kind: 'org',
    idType: 'USCC',
    idNumber: uscc(990_003),
    name: '宁波浴之恋洗浴用品有限公司',
  };
  return tell(who, async (partyId) => {
    const listed = await enforcement.record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: `（${year - 1}）浙0212执2231号`,
      effectiveFrom: monthsAgo(20),
      note: '有履行能力而拒不履行生效法律文书确定的义务',
    });
    await enforcement.record.repair.mutate({
      partyId,
      repairs: [listed.recordId],
      court: '浙0212',
      caseNumber: `（${year - 1}）浙0212执2231号`,
      effectiveFrom: monthsAgo(2),
      note: '与申请执行人达成和解协议并履行完毕，申请信用修复',
    });
  });
}

function automaticPerformerStory({ enforcement, year, monthsAgo, tell }: StoryKit): Promise<Story> {
  const who: Who = {
    title: '自动履行：金码 (automatic performer: gold)',
    color: 'gold',
    kind: 'org',
    idType: 'USCC',
    idNumber: uscc(990_004),
    name: '宁波甬江文具有限公司',
  };
  return tell(who, async (partyId) => {
    await enforcement.record.create.mutate({
      partyId,
      category: 'G01',
      court: '浙0203',
      caseNumber: `（${year}）浙0203民初560号`,
      effectiveFrom: monthsAgo(2),
      note: '判决生效后十日内主动履行全部给付义务',
    });
  });
}

async function saveDemo(dataDir: string, demo: DemoData): Promise<void> {
  await writeFile(join(dataDir, DEMO_FILE), JSON.stringify(demo, null, 2), { mode: 0o600 });
}
