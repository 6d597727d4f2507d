/** `a`, or a copy of it with room for `size` elements (growing by half again at least). */
export function grow<T extends Uint8Array | Int32Array | Uint32Array>(a: T, size: number): T {
  if (size <= a.length) return a;
  // By half again, not double: at a million entries the spare room is what the arrays cost most.
  const b = new (a.constructor as new (n: number) => T)(Math.max(size, Math.ceil(a.length * 1.5)));
  b.set(a);
  return b;
}

/**
 * Strings kept as bytes in one buffer, so that a million of them are a handful of objects to the garbage
 * collector, not a million: each one Latin-1 (one byte a code unit) when all its code units fit a byte,
 * else UTF-16LE (two bytes a code unit, less than UTF-8 takes for Chinese). Each string has a code (0, 1,
 * 2, … in the order added); `find` looks one up by content through a hash table of typed arrays, and
 * `intern` adds it only when it is new. Nothing is ever removed.
 */
export class StringArena {
  #bytes: Buffer;
  #used = 0;
  /** String c: bytes [start[c], start[c] + size) where size is its length, doubled if `wide[c]`. */
  #start: Int32Array;
  #length: Int32Array;
  #wide: Uint8Array;
  #hash: Uint32Array;
  #count = 0;
  /** Open addressing, linear probing: code + 1, 0 = empty; at most half full. */
  #slots: Int32Array;

  /**
   * Room for `expected` strings of about `bytesEach` bytes before anything grows (growing copies
   * everything, and rehashes the table: at a hundred thousand strings that is milliseconds).
   */
  constructor(expected = 256, bytesEach = 16) {
    const n = Math.max(1, expected);
    this.#bytes = Buffer.alloc(n * bytesEach);
    this.#start = new Int32Array(n);
    this.#length = new Int32Array(n);
    this.#wide = new Uint8Array(n);
    this.#hash = new Uint32Array(n);
    let slots = 2;
    while (slots < 2 * n) slots *= 2;
    this.#slots = new Int32Array(slots);
  }

  get size(): number {
    return this.#count;
  }

  /** The code of `s`, or -1. */
  find(s: string): number {
    return this.#find(s, hashOf(s));
  }

  /** The code of `s`, added if new. */
  intern(s: string): number {
    const h = hashOf(s);
    const c = this.#find(s, h);
    return c >= 0 ? c : this.#add(s, h);
  }

  /** The string of code `c` (a new JS string each call). */
  get(c: number): string {
    const start = this.#start[c] as number;
    const n = this.#length[c] as number;
    if (n === 0) return '';
    return this.#wide[c]
      ? this.#bytes.toString('utf16le', start, start + 2 * n)
      : this.#bytes.toString('latin1', start, start + n);
  }

  #find(s: string, h: number): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const c = (slots[i] as number) - 1;
      if (c < 0) return -1;
      if (this.#hash[c] === h && this.#equals(c, s)) return c;
    }
  }

  #equals(c: number, s: string): boolean {
    const n = s.length;
    if (this.#length[c] !== n) return false;
    const b = this.#bytes;
    let at = this.#start[c] as number;
    if (this.#wide[c]) {
      for (let i = 0; i < n; i++, at += 2)
        if (s.charCodeAt(i) !== ((b[at] as number) | ((b[at + 1] as number) << 8))) return false;
    } else {
      for (let i = 0; i < n; i++, at++) if (s.charCodeAt(i) !== b[at]) return false;
    }
    return true;
  }

  #add(s: string, h: number): number {
    const n = s.length;
    let wide = false;
    for (let i = 0; i < n; i++)
      if (s.charCodeAt(i) > 0xff) {
        wide = true;
        break;
      }
    const size = wide ? 2 * n : n;
    if (this.#used + size > this.#bytes.length) {
      const b = Buffer.alloc(Math.max(this.#used + size, Math.ceil(1.5 * this.#bytes.length)));
      this.#bytes.copy(b, 0, 0, this.#used);
      this.#bytes = b;
    }
    const b = this.#bytes;
    const start = this.#used;
    if (wide) {
      for (let i = 0, at = start; i < n; i++, at += 2) {
        const u = s.charCodeAt(i);
        b[at] = u & 0xff;
        b[at + 1] = u >>> 8;
      }
    } else for (let i = 0; i < n; i++) b[start + i] = s.charCodeAt(i);
    this.#used += size;
    const c = this.#count++;
    if (c >= this.#start.length) {
      const m = c + 1;
      this.#start = grow(this.#start, m);
      this.#length = grow(this.#length, m);
      this.#wide = grow(this.#wide, m);
      this.#hash = grow(this.#hash, m);
    }
    this.#start[c] = start;
    this.#length[c] = n;
    this.#wide[c] = wide ? 1 : 0;
    this.#hash[c] = h;
    if (2 * this.#count > this.#slots.length) {
      this.#slots = new Int32Array(2 * this.#slots.length);
      for (let k = 0; k < this.#count; k++) this.#place(k);
    } else this.#place(c);
    return c;
  }

  #place(c: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = (this.#hash[c] as number) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = c + 1;
  }
}

/** FNV-1a over the UTF-16 code units, finished with a multiply (linear probing wants the low bits mixed). */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}
