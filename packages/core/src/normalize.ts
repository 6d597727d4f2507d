const FULL_WIDTH = /[\uFF01-\uFF5E\u3000]/g;

/**
 * Normalizes an identifier as typed by a person: full-width forms (U+FF01–FF5E) become their ASCII
 * counterparts and the ideographic space (U+3000) a space, surrounding white space is trimmed, and
 * letters are upper-cased (`x` → `X`). Meant for identifiers only, not for names or free text.
 *
 * @example
 * normalizeInput(' ３３０２０１１９９００１０１１２３ｘ　'); // '33020119900101123X'
 * normalizeInput('ｅ１２３４５６７８'); // 'E12345678'
 */
export function normalizeInput(s: string): string {
  return String(s)
    .replace(FULL_WIDTH, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)))
    .trim()
    .toUpperCase();
}
