import { normalizeInput } from './normalize.js';

/**
 * Masks a party's name for public display (domain §6). A natural person's name keeps its first
 * character, and every further character becomes one `*`; characters are Unicode code points, and
 * spaces and punctuation count like any other (`Li Lei` → `L*****`), so nothing of the rest shows.
 * An organization's name is public and returned in full. Both are trimmed first. Any `kind` other than
 * `'org'` is treated as a person.
 *
 * @example
 * maskName('章某某', 'person'); // '章**'
 * maskName('𠮷田', 'person'); // '𠮷*'
 * maskName(' 宁波某某有限公司 ', 'org'); // '宁波某某有限公司'
 */
export function maskName(name: string, kind: 'person' | 'org'): string {
  const trimmed = String(name).trim();
  if (kind === 'org') return trimmed;
  const [first = '', ...rest] = trimmed;
  return first + '*'.repeat(rest.length);
}

/**
 * Masks an identity number for public display (domain §6), after {@link normalizeInput}. A `USCC` is
 * public and shown in full. Any other type (unknown types included) shows its first 4 and last 4
 * characters with one `*` per hidden character; a number of 8 characters or fewer shows only its last 2
 * (and one of 2 or fewer characters is masked entirely). Counts are in code points.
 *
 * @example
 * maskIdNumber('RESIDENT_ID', '330201199001011234'); // '3302**********1234'
 * maskIdNumber('USCC', '914403001922038216'); // '914403001922038216'
 * maskIdNumber('TAIWAN_PERMIT', '12345678'); // '******78'
 */
export function maskIdNumber(idType: string, idNumber: string): string {
  const id = normalizeInput(idNumber);
  if (normalizeInput(idType) === 'USCC') return id;
  const chars = [...id];
  const n = chars.length;
  if (n > 8) return chars.slice(0, 4).join('') + '*'.repeat(n - 8) + chars.slice(-4).join('');
  if (n > 2) return '*'.repeat(n - 2) + chars.slice(-2).join('');
  return '*'.repeat(n);
}
