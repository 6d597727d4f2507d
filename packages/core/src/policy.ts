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
    for (const category of policy.categories) {
      byCode[category.code] = {
        category,
        color: category.color,
        rank: policy.precedence.indexOf(category.color),
        duration: parseDuration(category.duration),
      };
    }
    c = { policy, byCode };
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
