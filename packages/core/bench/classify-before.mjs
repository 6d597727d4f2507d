// The classifier as it was before the O(n log n) rewrite (core 0.1.0, from src/classify.ts, prepare.ts,
// dates.ts and as-of.ts, types stripped), kept only as this benchmark's baseline: finding since and until
// walked the change days one by one and looked up record ids by linear search, so its cost grew with the
// square of the number of records. The benchmark checks that it gives the same results.
import { defaultPolicy, validatePolicy } from '../dist/index.js';

const NORMAL_CATEGORY = 'N01';
const colorOfRank = (policy, rank) => policy.precedence[rank] ?? 'green';
const compiledPolicies = new WeakMap();
let last;
function compilePolicy(policy) {
  if (last?.policy === policy) return last;
  let c = compiledPolicies.get(policy);
  if (!c) {
    validatePolicy(policy);
    const byCode = Object.create(null);
    for (const category of policy.categories) {
      byCode[category.code] = {
        category,
        rank: policy.precedence.indexOf(category.color),
        duration: parseDuration(category.duration),
      };
    }
    c = { policy, byCode };
    compiledPolicies.set(policy, c);
  }
  last = c;
  return c;
}

const CST_OFFSET_MS = 8 * 60 * 60 * 1e3;
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;
function daysInMonth(year, month) {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
function dateToNumber(date) {
  if (
    typeof date !== 'string' ||
    date.length !== 10 ||
    date.charCodeAt(4) !== 45 ||
    date.charCodeAt(7) !== 45
  ) {
    return Number.NaN;
  }
  const y0 = date.charCodeAt(0) - 48;
  const y1 = date.charCodeAt(1) - 48;
  const y2 = date.charCodeAt(2) - 48;
  const y3 = date.charCodeAt(3) - 48;
  const m0 = date.charCodeAt(5) - 48;
  const m1 = date.charCodeAt(6) - 48;
  const d0 = date.charCodeAt(8) - 48;
  const d1 = date.charCodeAt(9) - 48;
  if (y0 >>> 0 > 9 || y1 >>> 0 > 9 || y2 >>> 0 > 9 || y3 >>> 0 > 9) return Number.NaN;
  if (m0 >>> 0 > 9 || m1 >>> 0 > 9 || d0 >>> 0 > 9 || d1 >>> 0 > 9) return Number.NaN;
  const year = y0 * 1e3 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (year < 1 || month < 1 || month > 12 || day < 1 || (day > 28 && day > daysInMonth(year, month)))
    return Number.NaN;
  return year * 1e4 + month * 100 + day;
}
const formatted = new Map();
function numberToDate(n) {
  let s = formatted.get(n);
  if (s === void 0) {
    const year = Math.floor(n / 1e4);
    const md = n % 1e4;
    s = `${String(year).padStart(4, '0')}-${md < 1e3 ? '0' : ''}${Math.floor(md / 100)}-${md % 100 < 10 ? '0' : ''}${md % 100}`;
    if (formatted.size >= 1e5) formatted.clear();
    formatted.set(n, s);
  }
  return s;
}
function isIsoDate(value) {
  return !Number.isNaN(dateToNumber(value));
}
function toCstDate(instant) {
  const ms =
    typeof instant === 'string'
      ? Date.parse(instant)
      : instant instanceof Date
        ? instant.getTime()
        : Number.NaN;
  if (Number.isNaN(ms))
    throw new TypeError(`instant: ${JSON.stringify(String(instant))} is not a valid date-time`);
  if (typeof instant === 'string' && instant.length === 10) {
    if (!isIsoDate(instant)) throw new TypeError(`instant: "${instant}" is not a real date (YYYY-MM-DD)`);
    return instant;
  }
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}
function parseDuration(iso) {
  if (typeof iso !== 'string' || iso === 'P') return null;
  const m = DURATION.exec(iso);
  if (!m) return null;
  return {
    years: Number(m[1] ?? 0),
    months: Number(m[2] ?? 0),
    days: Number(m[3] ?? 0) * 7 + Number(m[4] ?? 0),
  };
}
function addToNumber(n, d) {
  const monthIndex = Math.floor(n / 1e4) * 12 + (Math.floor(n / 100) % 100) - 1 + d.years * 12 + d.months;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const day = Math.min(n % 100, daysInMonth(year, month));
  if (d.days === 0) return year * 1e4 + month * 100 + day;
  const ms = Date.UTC(year, month - 1, day) + d.days * 864e5;
  const t = new Date(ms);
  return t.getUTCFullYear() * 1e4 + (t.getUTCMonth() + 1) * 100 + t.getUTCDate();
}

function resolveAsOf(asOf) {
  const date = asOf === void 0 ? toCstDate(new Date()) : asOf instanceof Date ? toCstDate(asOf) : asOf;
  const n = dateToNumber(date);
  if (Number.isNaN(n)) {
    if (typeof date === 'string' && date.length > 10) return dateToNumber(toCstDate(date));
    throw new TypeError(`asOf: ${JSON.stringify(date)} is not a real date (YYYY-MM-DD) or a Date`);
  }
  return n;
}

const FOREVER = 99999999;
const NO_RANK = 255;
const fail = (id, rule) => {
  throw new TypeError(`record ${JSON.stringify(id)}: ${rule}`);
};
function prepareRecords(records, compiled, lifted) {
  if (!Array.isArray(records)) throw new TypeError('records: must be an array');
  const { byCode, policy } = compiled;
  const all = [];
  let hasRevoked = false;
  let hasRepairs = false;
  for (let k = 0; k < records.length; k++) {
    const r = records[k];
    if (typeof r !== 'object' || r === null) throw new TypeError('records: every record must be an object');
    const id = r.id;
    if (typeof id !== 'string' || id === '') fail(id, 'id must be a non-empty string');
    if (find(all, id)) fail(id, 'id appears twice');
    if (r.category === NORMAL_CATEGORY) {
      fail(
        id,
        `category ${NORMAL_CATEGORY} (normal status) is implicit for every party and cannot be recorded`,
      );
    }
    const compiledCategory = byCode[r.category];
    if (!compiledCategory)
      fail(id, `unknown category ${JSON.stringify(r.category)} (not in policy ${policy.id})`);
    const { category: cat, rank, duration } = compiledCategory;
    const start = dateToNumber(r.effectiveFrom);
    if (Number.isNaN(start))
      fail(id, `effectiveFrom ${JSON.stringify(r.effectiveFrom)} is not a real date (YYYY-MM-DD)`);
    let end;
    if (r.effectiveUntil === void 0) {
      end = duration ? addToNumber(start, duration) : FOREVER;
    } else if (r.effectiveUntil === null) {
      end = FOREVER;
    } else {
      end = dateToNumber(r.effectiveUntil);
      if (Number.isNaN(end))
        fail(id, `effectiveUntil ${JSON.stringify(r.effectiveUntil)} is not a real date (YYYY-MM-DD)`);
      if (end <= start)
        fail(id, `effectiveUntil ${r.effectiveUntil} must be after effectiveFrom ${r.effectiveFrom}`);
    }
    if (r.revoked) hasRevoked = true;
    if (cat.color === 'blue') {
      hasRepairs = true;
      if (!Array.isArray(r.repairs) || r.repairs.length === 0) {
        fail(id, `a repair (category ${cat.code}) must list at least one repaired record id in repairs`);
      }
    } else if (r.repairs !== void 0 && (!Array.isArray(r.repairs) || r.repairs.length > 0)) {
      fail(id, `only a repair record (a blue category) may list repairs; ${cat.code} is ${cat.color}`);
    }
    all.push({
      record: r,
      category: cat,
      color: cat.color,
      rank,
      start,
      end,
      repairedBy: void 0,
    });
  }
  for (let k = 0; hasRepairs && k < all.length; k++) {
    const repair = all[k];
    if (repair.color !== 'blue') continue;
    for (const target of repair.record.repairs) {
      const t = find(all, target);
      if (!t) fail(repair.record.id, `repairs lists unknown record ${JSON.stringify(target)}`);
      const listed = t;
      if (listed.color !== 'red' && listed.color !== 'yellow') {
        fail(
          repair.record.id,
          `repairs lists record ${JSON.stringify(target)} of category ${listed.category.code}, which is not red or yellow`,
        );
      }
      if (!listed.category.repairable) {
        fail(
          repair.record.id,
          `repairs lists record ${JSON.stringify(target)} of category ${listed.category.code}, which is not repairable`,
        );
      }
      if (repair.record.revoked) continue;
      if (listed.repairedBy) listed.repairedBy.push(repair);
      else listed.repairedBy = [repair];
    }
  }
  if (!hasRevoked && !hasRepairs) return all;
  const counting = [];
  for (const i of all) {
    if (i.record.revoked) continue;
    if (!i.repairedBy) {
      counting.push(i);
      continue;
    }
    let first = i.repairedBy[0];
    for (const r of i.repairedBy) if (r.start < first.start) first = r;
    if (first.start > i.start) counting.push({ ...i, end: Math.min(i.end, first.start) });
    if (lifted && first.start < i.end)
      lifted.push({ ...i, start: Math.max(i.start, first.start), repairedBy: [first] });
  }
  return counting;
}
function find(intervals, id) {
  for (let k = 0; k < intervals.length; k++) if (intervals[k].record.id === id) return intervals[k];
  return void 0;
}
function rankAt(intervals, day) {
  let best = NO_RANK;
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k];
    if (i.start <= day && day < i.end && i.rank < best) best = i.rank;
  }
  return best;
}

export function classifyBefore(records, opts = {}) {
  const policy = opts.policy ?? defaultPolicy;
  const compiled = compilePolicy(policy);
  const day = resolveAsOf(opts.asOf);
  const intervals = prepareRecords(records, compiled);
  let rank = NO_RANK;
  let basis = [];
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k];
    if (i.start > day || day >= i.end || i.rank > rank) continue;
    if (i.rank < rank) {
      rank = i.rank;
      basis = [];
    }
    basis.push(i.record.id);
  }
  let until = day;
  do until = nextChange(intervals, until);
  while (until !== FOREVER && rankAt(intervals, until) === rank);
  return {
    color: colorOfRank(policy, rank),
    asOf: typeof opts.asOf === 'string' && opts.asOf.length === 10 ? opts.asOf : numberToDate(day),
    basis,
    since: runStart(intervals, day, rank),
    until: until === FOREVER ? null : numberToDate(until),
    policyId: policy.id,
  };
}
const NEVER = 0;
function runStart(intervals, day, rank) {
  let since = previousChange(intervals, day + 1);
  while (since !== NEVER) {
    const before = previousChange(intervals, since);
    const rankBefore = before === NEVER ? NO_RANK : rankAt(intervals, before);
    if (rankBefore !== rank) return numberToDate(since);
    since = before;
  }
  return null;
}
function nextChange(intervals, day) {
  let next = FOREVER;
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k];
    if (i.start > day && i.start < next) next = i.start;
    if (i.end > day && i.end < next) next = i.end;
  }
  return next;
}
function previousChange(intervals, day) {
  let prev = NEVER;
  for (let k = 0; k < intervals.length; k++) {
    const i = intervals[k];
    if (i.start < day && i.start > prev) prev = i.start;
    if (i.end < day && i.end > prev) prev = i.end;
  }
  return prev;
}
