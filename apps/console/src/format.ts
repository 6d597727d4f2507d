// Dates in China Standard Time, CSV in and out: the console's small pure helpers.

const CST = 'Asia/Shanghai';

/** An instant (ISO string) as `YYYY-MM-DD HH:mm` in CST. */
export function cstDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: CST,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

/** Today's date in CST, `YYYY-MM-DD`. */
export function cstToday(now = new Date()): string {
  return cstDateTime(now.toISOString()).slice(0, 10);
}

/** `YYYY-MM-DD` shifted by whole months (day clamped to 1). */
export function addMonths(date: string, months: number): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** One party row of the filing window. */
export interface PartyRow {
  idType: string;
  idNumber: string;
  name?: string;
}

const ID_TYPES = ['RESIDENT_ID', 'USCC', 'PASSPORT', 'HK_MACAO_PERMIT', 'TAIWAN_PERMIT', 'FOREIGN_PR_ID'];
const ID_TYPE_ALIASES: Record<string, string> = {
  居民身份证: 'RESIDENT_ID',
  身份证: 'RESIDENT_ID',
  统一社会信用代码: 'USCC',
  护照: 'PASSPORT',
  港澳居民来往内地通行证: 'HK_MACAO_PERMIT',
  台湾居民来往大陆通行证: 'TAIWAN_PERMIT',
  外国人永久居留身份证: 'FOREIGN_PR_ID',
};

/** Splits one CSV line (quotes, doubled quotes) or a line of spaces / tabs. */
function splitLine(line: string): string[] {
  if (!line.includes(',') && !line.includes('"')) return line.trim().split(/[\t ]+/);
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',' || ch === '\t') {
      out.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  out.push(cell.trim());
  return out;
}

/**
 * The parties typed, pasted or exported as CSV: `idType idNumber [name]` per line, in any column order
 * when a header row names them (`idType,idNumber,name` or 证件类型,证件号码,姓名). A bare identity
 * number is a resident ID when it has 18 characters, a USCC when it is 18 characters with letters.
 */
export function parsePartyRows(text: string): PartyRow[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return [];
  let cols = { idType: 0, idNumber: 1, name: 2 };
  const header = splitLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const find = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const headed = find('idnumber', '证件号码', 'id_number') >= 0;
  if (headed) {
    cols = {
      idType: find('idtype', '证件类型', 'id_type'),
      idNumber: find('idnumber', '证件号码', 'id_number'),
      name: find('name', '姓名', '名称', '姓名或名称'),
    };
    lines.shift();
  }
  return lines.map((line) => {
    const cells = splitLine(line);
    let idType = cols.idType >= 0 ? (cells[cols.idType] ?? '') : '';
    let idNumber = cells[cols.idNumber] ?? '';
    let name = cols.name >= 0 ? cells[cols.name] : undefined;
    if (cells.length === 1 || (!ID_TYPES.includes(idType) && !ID_TYPE_ALIASES[idType])) {
      // No type: without a header, the number alone, maybe followed by a name; with one, where it says.
      if (!headed) [idNumber = '', name] = [cells[0] ?? '', cells[1]];
      idType = /^\d{17}[\dXx]$/.test(idNumber)
        ? 'RESIDENT_ID'
        : /^[0-9A-Z]{18}$/.test(idNumber)
          ? 'USCC'
          : 'PASSPORT';
    }
    idType = ID_TYPE_ALIASES[idType] ?? idType;
    return name ? { idType, idNumber, name } : { idType, idNumber };
  });
}

/** A CSV document (RFC 4180, with a BOM so spreadsheet programs read UTF-8). */
export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** Offers `text` as a file download. */
export function download(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
