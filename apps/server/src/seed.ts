import { createHash, randomBytes } from 'node:crypto';
import {
  appendAudit,
  createPartyCrypto,
  type Db,
  materializeParty,
  newId,
  rowsDetail,
  schema,
} from '@fivecolor/api';
import {
  addDuration,
  type Category,
  defaultPolicy,
  isIsoDate,
  maskIdNumber,
  maskName,
  NORMAL_CATEGORY,
  type Policy,
  toCstDate,
} from '@fivecolor/core';
import { copyRows } from './copy-rows.js';
import { orgName, personName, residentId, uscc } from './synthetic-ids.js';

export interface SeedOptions {
  parties: number;
  /** Also issue one badge token per party and return them (for the benchmark). */
  badgeTokens?: boolean;
  /** Parties per transaction. */
  batch?: number;
  /** Offset of the synthetic identity numbers, so several seeds do not collide. */
  offset?: number;
  onProgress?: (done: number, total: number) => void;
  /** The policy the states are computed under (the active one); default: core's `defaultPolicy`. */
  policy?: Policy | undefined;
}

export interface SeedResult {
  parties: number;
  records: number;
  colors: Record<string, number>;
  tokens: string[];
}

const COURTS = ['浙02', '浙0203', '浙0205', '浙0206', '浙0211', '浙0212'];
/**
 * The categories a seed draws each kind of record from, under `policy`: its terms and colors, so that the
 * records fit it (a kind the policy has no category for is left out).
 */
function kindsOf(policy: Policy, today: string) {
  // A term that ends on its first day or past year 9999 gives no record core accepts.
  const usable = (c: Category) => {
    if (c.duration === null) return true;
    const end = addDuration(today, c.duration);
    return isIsoDate(end) && end > today;
  };
  const where = (test: (c: Category) => boolean) =>
    policy.categories.filter((c) => c.code !== NORMAL_CATEGORY && usable(c) && test(c));
  const blue = where((c) => c.color === 'blue');
  const gold = where((c) => c.color === 'gold');
  return {
    red: where((c) => c.color === 'red'),
    yellow: where((c) => c.color === 'yellow'),
    repairable: where((c) => c.repairable && (c.color === 'red' || c.color === 'yellow')),
    repair: blue.find((c) => c.code === 'B01') ?? blue[0],
    gold: gold.find((c) => c.code === 'G01') ?? gold[0],
  };
}
/** The `i`-th of `list`, round and round; `undefined` when it is empty. */
const nth = (list: readonly Category[], i: number) => list[i % Math.max(list.length, 1)];

/** The case-type code a record of this category usually comes from. */
function caseType(c: Category): string {
  if (c.code === 'R01' || c.code === 'R02') return '刑初';
  if (c.code === 'R03' || c.code === 'R04') return '司惩';
  if (c.repairable || c.code === 'Y21' || c.code === 'G01' || c.code === 'B01') return '执';
  return '民初';
}

/** A deterministic pseudo-random generator (mulberry32), so a seed is reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type RecordRow = typeof schema.records.$inferInsert;

/**
 * Writes synthetic parties with records covering every category and color, with COPY in one
 * transaction per batch. Rows are written exactly as the API writes them: keyed identity hash, encrypted
 * identity number and name, masked name, resolved record terms and the materialized party state.
 */
export async function seedSynthetic(db: Db, secret: string, opts: SeedOptions): Promise<SeedResult> {
  const crypto = createPartyCrypto(secret);

  const random = rng(opts.offset ?? 1);
  const today = toCstDate(new Date());
  const kinds = kindsOf(opts.policy ?? defaultPolicy, today);
  const todayMs = Date.parse(today);
  const daysAgo = (max: number, min = 0) =>
    new Date(todayMs - (min + Math.floor(random() * (max - min))) * 86_400_000).toISOString().slice(0, 10);
  const batch = opts.batch ?? 2000;
  const result: SeedResult = { parties: 0, records: 0, colors: {}, tokens: [] };
  let counter = 0;
  // Every column a record is read back with is written explicitly, so its audit hash is computed here.
  let createdAt = new Date();

  const record = (partyId: string, c: Category, from: string, repairs?: string[]): RecordRow => {
    const court = COURTS[counter % COURTS.length] as string;
    const year = Number(from.slice(0, 4));
    return {
      id: newId('rec'),
      partyId,
      category: c.code,
      court,
      caseNumber: `（${year}）${court}${caseType(c)}${(counter++ % 9000) + 1}号`,
      effectiveFrom: from,
      effectiveUntil: c.duration ? addDuration(from, c.duration) : null,
      repairs: repairs ?? null,
      note: 'synthetic demo data',
      source: 'court',
      revision: 0,
      createdBy: 'seed',
      createdAt,
    };
  };

  for (let start = 0; start < opts.parties; start += batch) {
    createdAt = new Date();
    const partyRows: (typeof schema.parties.$inferInsert)[] = [];
    const recordRows: RecordRow[] = [];
    const stateRows: (typeof schema.partyState.$inferInsert)[] = [];
    const tokenRows: (typeof schema.badgeTokens.$inferInsert)[] = [];
    for (let i = start; i < Math.min(start + batch, opts.parties); i++) {
      const n = (opts.offset ?? 0) + i;
      const isOrg = i % 7 === 3;
      const idType = isOrg ? 'USCC' : 'RESIDENT_ID';
      const idNumber = isOrg ? uscc(n) : residentId(n);
      const name = isOrg ? orgName(n) : personName(n);
      const partyId = newId('pty');
      partyRows.push({
        id: partyId,
        kind: isOrg ? 'org' : 'person',
        idType,
        identityHash: crypto.identityHash(idType, idNumber),
        idNumberEnc: crypto.encrypt(idNumber),
        nameEnc: crypto.encrypt(name),
        nameMasked: maskName(name, isOrg ? 'org' : 'person'),
        idNumberMasked: maskIdNumber(idType, idNumber),
        createdBy: 'seed',
      });
      // A mix like a city court's: most parties green, every category and color represented.
      const own: RecordRow[] = [];
      const roll = random();
      const red = nth(kinds.red, i);
      const yellow = nth(kinds.yellow, i);
      const repairable = nth(kinds.repairable, i);
      if (roll < 0.06) {
        if (red) own.push(record(partyId, red, daysAgo(700)));
      } else if (roll < 0.2) {
        if (yellow) own.push(record(partyId, yellow, daysAgo(700)));
      } else if (roll < 0.25) {
        if (repairable && kinds.repair) {
          const listed = record(partyId, repairable, daysAgo(700));
          const from = daysAgo(
            Math.max(1, Math.round((todayMs - Date.parse(listed.effectiveFrom)) / 86_400_000)),
          );
          own.push(listed, record(partyId, kinds.repair, from, [listed.id]));
        }
      } else if (roll < 0.33) {
        if (kinds.gold) own.push(record(partyId, kinds.gold, daysAgo(700)));
      }
      // Green again: a past warning whose term has ended (kept as history).
      else if (roll < 0.4 && yellow) own.push(record(partyId, yellow, daysAgo(2500, 1500)));
      recordRows.push(...own);
      const state = materializeParty(
        partyId,
        own.map((r) => ({ ...r, effectiveUntil: r.effectiveUntil ?? null })),
        { policy: opts.policy },
      );
      stateRows.push({ ...state, version: 1 });
      result.colors[state.color] = (result.colors[state.color] ?? 0) + 1;
      if (opts.badgeTokens) {
        const token = `bdg_${randomBytes(24).toString('base64url')}`;
        result.tokens.push(token);
        tokenRows.push({
          tokenHash: createHash('sha256').update(token).digest('hex'),
          partyId,
          createdBy: 'seed',
        });
      }
    }
    // One audit row per batch vouches for the records it wrote (their hashes), in the COPY's own
    // transaction, so the seeded database passes `fivecolor-server verify` and no crash leaves rows unvouched.
    await copyRows(
      db,
      [
        [schema.parties, partyRows],
        [schema.records, recordRows],
        [schema.partyState, stateRows],
        [schema.badgeTokens, tokenRows],
      ],
      async (tx) => {
        if (recordRows.length > 0)
          await appendAudit(tx, {
            actorId: 'seed',
            actorRole: 'operator',
            actorOrg: null,
            action: 'seed',
            detail: { parties: partyRows.length, ...rowsDetail('records', recordRows) },
          });
      },
    );
    result.parties += partyRows.length;
    result.records += recordRows.length;
    opts.onProgress?.(result.parties, opts.parties);
  }
  return result;
}
