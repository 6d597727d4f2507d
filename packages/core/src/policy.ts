import { catalog, catalogVersion } from './catalog.js';
import { COLORS } from './colors.js';
import { parseDuration } from './dates.js';
import type { Category, Color, Policy } from './types.js';

/** The category that stands for a party without records; it is never entered as a record. */
export const NORMAL_CATEGORY = 'N01';

/**
 * The default policy `default-2022`: the shipped catalog and the precedence red > yellow > blue > gold > green.
 *
 * @example
 * defaultPolicy.id; // 'default-2022'
 */
export const defaultPolicy: Policy = Object.freeze({
  id: catalogVersion,
  precedence: COLORS,
  categories: catalog,
});

/** A category with what classification needs of it, resolved once per policy. */
export interface CompiledCategory {
  /** `category.code`. */
  code: string;
  category: Category;
  /** `category.color`, read here: a custom policy's categories may come in many shapes. */
  color: Color;
  /** Index of the category's color in the precedence (0 = most severe). */
  rank: number;
  /** Parsed default duration; `null` when indefinite. */
  duration: ReturnType<typeof parseDuration>;
}

/** A policy prepared for fast lookups; built once per policy object. */
export interface CompiledPolicy {
  policy: Policy;
  /** A null-prototype dictionary: a keyed load is cheaper than `Map#get` on this hot path. */
  byCode: Readonly<Record<string, CompiledCategory | undefined>>;
  /** The same categories by {@link codeSlot}; where two codes share a slot, the first. */
  bySlot: readonly (CompiledCategory | undefined)[];
}

const SLOT_BITS = 9;
/** The slot past the others, for codes shorter than 3 characters and anything not a string. */
const NO_SLOT = 1 << SLOT_BITS;

/**
 * A slot for a category code of 3 characters or more, from its length and last three characters (codes
 * are upper-case letters and digits, which keep 6 distinct bits each); `NO_SLOT` for anything else.
 */
function codeSlot(code: unknown): number {
  if (typeof code !== 'string' || code.length < 3) return NO_SLOT;
  const n = code.length;
  const key =
    (n << 18) |
    ((code.charCodeAt(n - 3) & 63) << 12) |
    ((code.charCodeAt(n - 2) & 63) << 6) |
    (code.charCodeAt(n - 1) & 63);
  return Math.imul(key, 0x9e3779b1) >>> (32 - SLOT_BITS);
}

/**
 * The category of a record's `code` under a compiled policy, or `undefined`. Reading a slot and comparing
 * one string is several times cheaper than a keyed load from a dictionary (which must first find the
 * code among the engine's internalized strings when it was not written in the source); a code that
 * lost its slot to another is looked up in the dictionary.
 */
export function categoryOf(compiled: CompiledPolicy, code: unknown): CompiledCategory | undefined {
  const hit = compiled.bySlot[codeSlot(code)];
  return hit?.code === code ? hit : compiled.byCode[code as string];
}

const compiled = new WeakMap<Policy, CompiledPolicy>();
let last: CompiledPolicy | undefined;

/** Returns the compiled form of a policy, validating it the first time it is seen. */
export function compilePolicy(policy: Policy): CompiledPolicy {
  if (last?.policy === policy) return last;
  let c = compiled.get(policy);
  if (!c) {
    validatePolicy(policy);
    const byCode: Record<string, CompiledCategory> = Object.create(null);
    const bySlot: (CompiledCategory | undefined)[] = new Array(NO_SLOT + 1);
    for (const category of policy.categories) {
      const cc: CompiledCategory = {
        code: category.code,
        category,
        color: category.color,
        rank: policy.precedence.indexOf(category.color),
        duration: parseDuration(category.duration),
      };
      byCode[category.code] = cc;
      bySlot[codeSlot(category.code)] ??= cc;
    }
    c = { policy, byCode, bySlot };
    compiled.set(policy, c);
  }
  last = c;
  return c;
}

const isColor = (v: unknown): v is Color =>
  typeof v === 'string' && (COLORS as readonly string[]).includes(v);

/**
 * Checks that a deployment's custom policy is well formed and returns it typed; throws a `TypeError`
 * whose message names the offending field and the rule.
 *
 * @example
 * validatePolicy({ ...defaultPolicy, id: 'ningbo-2024', precedence: ['red', 'yellow', 'gold', 'blue', 'green'] });
 * validatePolicy({ id: '', precedence: [], categories: [] }); // throws TypeError: policy.id: must be a non-empty string
 */
export function validatePolicy(input: unknown): Policy {
  const fail = (field: string, rule: string): never => {
    throw new TypeError(`policy.${field}: ${rule}`);
  };
  if (typeof input !== 'object' || input === null) throw new TypeError('policy: must be an object');
  const p = input as Record<string, unknown>;
  if (typeof p.id !== 'string' || p.id.trim() === '') fail('id', 'must be a non-empty string');
  const precedence = p.precedence;
  if (!Array.isArray(precedence) || precedence.length !== COLORS.length) {
    fail('precedence', `must list the five colors (${COLORS.join(', ')}) exactly once`);
  }
  (precedence as unknown[]).forEach((color, i) => {
    if (!isColor(color)) fail(`precedence[${i}]`, `"${String(color)}" is not a color (${COLORS.join(', ')})`);
    if ((precedence as unknown[]).indexOf(color) !== i)
      fail(`precedence[${i}]`, `"${color}" is listed twice`);
  });
  if (!Array.isArray(p.categories) || p.categories.length === 0)
    fail('categories', 'must be a non-empty array');
  const seen = new Set<string>();
  (p.categories as unknown[]).forEach((raw, i) => {
    const at = `categories[${i}]`;
    if (typeof raw !== 'object' || raw === null) fail(at, 'must be an object');
    const c = raw as Record<string, unknown>;
    if (typeof c.code !== 'string' || !/^[A-Z][0-9A-Z]{1,7}$/.test(c.code)) {
      fail(`${at}.code`, 'must be 2–8 upper-case letters or digits starting with a letter, e.g. R01');
    }
    if (seen.has(c.code as string)) fail(`${at}.code`, `"${c.code}" appears twice`);
    seen.add(c.code as string);
    if (!isColor(c.color)) fail(`${at}.color`, `"${String(c.color)}" is not a color (${COLORS.join(', ')})`);
    for (const text of ['zh', 'en', 'basis'] as const) {
      if (typeof c[text] !== 'string') fail(`${at}.${text}`, 'must be a string');
    }
    if (c.duration !== null && !parseDuration(c.duration)) {
      fail(
        `${at}.duration`,
        `"${String(c.duration)}" must be an ISO 8601 date duration (P5Y, P6M, P30D) or null`,
      );
    }
    if (typeof c.repairable !== 'boolean') fail(`${at}.repairable`, 'must be true or false');
  });
  return input as Policy;
}

/** The color of a precedence rank; a rank outside the precedence (nothing counts) is green. */
export function colorOfRank(policy: Policy, rank: number): Color {
  return policy.precedence[rank] ?? 'green';
}
