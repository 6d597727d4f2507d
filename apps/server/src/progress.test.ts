import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Progress, type ProgressStreams, partiesProgress, plainEveryMs } from './progress.js';

// An escape sequence (CSI …letter, ESC 7/8), CR or LF, or a character; ESC built, as a literal one is a lint error.
const ESC = String.fromCharCode(27);
const TOKENS = new RegExp(`${ESC}\\[\\??([0-9;]*)([A-Za-z])|${ESC}([78])|([\\r\\n])|([^${ESC}\\r\\n])`, 'gu');

/**
 * Just enough of a terminal for what cli-progress and readline write: text, CR/LF, save/restore of the
 * cursor (ESC 7/8), moves (CSI A/B/C/D/G), line and screen-below clears (CSI K/J), and line wrapping at
 * `columns` (on unless CSI ?7l turned it off: then the last column is overwritten); other modes are ignored.
 */
class Screen {
  lines: string[] = [''];
  private row = 0;
  private col = 0;
  private saved = { row: 0, col: 0 };
  private wrap = true;

  constructor(private readonly columns: number) {}

  write(text: string): void {
    const tokens = text.matchAll(TOKENS);
    for (const [, args = '', csi, saveRestore, control, char] of tokens) {
      const k = Number(args.split(';')[0] || 1);
      if (char) this.put(char);
      else if (control === '\r') this.col = 0;
      else if (control === '\n') this.moveTo(this.row + 1, 0);
      else if (saveRestore === '7') this.saved = { row: this.row, col: this.col };
      else if (saveRestore === '8') this.moveTo(this.saved.row, this.saved.col);
      else if (csi === 'A') this.moveTo(this.row - k, this.col);
      else if (csi === 'B') this.moveTo(this.row + k, this.col);
      else if (csi === 'C') this.col += k;
      else if (csi === 'D') this.col = Math.max(0, this.col - k);
      else if (csi === 'G') this.col = k - 1;
      else if (args === '7' && (csi === 'h' || csi === 'l')) this.wrap = csi === 'h';
      else if (csi === 'K')
        this.clearLine(args === '' || args === '0' ? 'right' : args === '1' ? 'left' : 'all');
      else if (csi === 'J') {
        this.clearLine('right');
        this.lines.length = this.row + 1;
      }
    }
  }

  /** The lines with text, trimmed. */
  text(): string[] {
    return this.lines.map((l) => l.trimEnd()).filter((l) => l !== '');
  }

  private moveTo(row: number, col: number): void {
    this.row = Math.max(0, row);
    this.col = col;
    while (this.lines.length <= this.row) this.lines.push('');
  }

  private put(char: string): void {
    if (this.col >= this.columns) {
      if (this.wrap) this.moveTo(this.row + 1, 0);
      else this.col = this.columns - 1;
    }
    const line = (this.lines[this.row] ?? '').padEnd(this.col);
    this.lines[this.row] = line.slice(0, this.col) + char + line.slice(this.col + 1);
    this.col++;
  }

  private clearLine(part: 'right' | 'left' | 'all'): void {
    const line = this.lines[this.row] ?? '';
    this.lines[this.row] =
      part === 'right'
        ? line.slice(0, this.col)
        : part === 'left'
          ? ' '.repeat(this.col) + line.slice(this.col + 1)
          : '';
  }
}

/** Both streams writing to one screen, as stderr and stdout do on the terminal a command runs in. */
function terminal(messagesOnTerminal = true, columns = 120) {
  const screen = new Screen(columns);
  const file: string[] = [];
  const bar = {
    isTTY: true,
    columns,
    write: (s: string) => {
      screen.write(s);
      return true;
    },
  };
  const messages = {
    isTTY: messagesOnTerminal,
    write: (s: string) => {
      if (messagesOnTerminal) screen.write(s);
      else file.push(s);
      return true;
    },
  };
  return { screen, file, streams: { bar, messages } as unknown as ProgressStreams };
}

// The bar redraws on a 100 ms timer: each step waits for a redraw, as a real import's batches do.
const redraw = () => sleep(150);

describe('import progress on a terminal', () => {
  it('prints messages above the bar and leaves one bar, the final one, below them', async () => {
    const { screen, streams } = terminal();
    const p = new Progress(1000, 'importing', streams);
    p.bytes(100);
    await redraw();
    p.log('line 3, column effectiveFrom: must be a date');
    await redraw();
    p.bytes(500);
    p.rows(400);
    await redraw();
    p.log('line 9, column idNumber: check digit should be 0, got 4');
    p.log('line 12, column court: is required');
    await redraw();
    p.bytes(400);
    p.rows(600);
    p.log("line 999, column name: differs from the party's stored name; the stored name is kept");
    p.stop(); // at once: what was logged since the last redraw is printed too

    const lines = screen.text();
    expect(lines.slice(0, -1)).toEqual([
      'line 3, column effectiveFrom: must be a date',
      'line 9, column idNumber: check digit should be 0, got 4',
      'line 12, column court: is required',
      "line 999, column name: differs from the party's stored name; the stored name is kept",
    ]);
    expect(lines.at(-1)).toMatch(/^importing \[█{40}\] 100% \| 1,000 rows \| [\d,]+ rows\/s \| ETA 0s$/);
  });

  it('fits the bar line into an 80-column terminal: one line, redrawn in place', async () => {
    const { screen, streams } = terminal(true, 80);
    const p = new Progress(10_000_000, 'importing', streams);
    for (let k = 1; k <= 4; k++) {
      p.bytes(2_000_000);
      p.rows(250_000);
      await redraw();
    }
    p.stop();
    const lines = screen.text();
    expect(lines).toHaveLength(1); // a line wider than the screen would wrap, and each redraw leave a copy
    expect(lines[0]).toMatch(/^importing \[█{13}░{3}\] 80% \| 1,000,000 rows \| [\d,]+ rows\/s \| ETA \S+$/);
    expect((lines[0] as string).length).toBeLessThanOrEqual(80);
  });

  it('wraps a message wider than the terminal instead of cutting it, and leaves wrapping on', async () => {
    const { screen, streams } = terminal(true, 60);
    const p = new Progress(1000, 'importing', streams);
    p.bytes(100);
    await redraw();
    const long = `line 5, column repairs: lists "${'R'.repeat(40)}", which is not in the file nor stored`;
    p.log(long);
    await redraw();
    p.bytes(900);
    p.rows(1000);
    p.stop();
    p.stop(); // a second stop changes nothing
    const lines = screen.text();
    expect(long.length).toBeGreaterThan(60);
    expect(lines.slice(0, -1).join('')).toBe(long);
    expect(lines.at(-1)).toMatch(/^importing \[█+/);
    expect(lines).toHaveLength(3);
    screen.write('after');
    expect(screen.text().at(-1)).toBe('after'); // on a line of its own, below the bar
  });

  it('writes messages as they are to a stream that is not the terminal, and the bar alone on it', async () => {
    const { screen, file, streams } = terminal(false);
    const p = new Progress(1000, 'checking', streams);
    p.bytes(300);
    await redraw();
    p.log('line 7, column kind: must be person or org');
    p.bytes(700);
    p.rows(1000);
    p.stop();
    expect(file).toEqual(['line 7, column kind: must be person or org\n']);
    expect(screen.text()).toEqual([expect.stringMatching(/^checking \[█{40}\] 100% \| 1,000 rows/)]);
  });
});

describe('policy progress', () => {
  it('draws one bar that fits an 80-column terminal and ends at the parties done', async () => {
    const { screen, streams } = terminal(true, 80);
    const p = partiesProgress('applying', 1_000_000, streams);
    for (let k = 1; k <= 4; k++) {
      p.update(250_000 * k);
      await redraw();
    }
    p.stop();
    const lines = screen.text();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^applying \[█{18}\] 100% \| 1,000,000 parties \| [\d,]+\/s \| ETA 0s$/);
    expect((lines[0] as string).length).toBeLessThanOrEqual(80);
  });

  it('grows the bar when parties were added meanwhile', async () => {
    const { screen, streams } = terminal(true, 120);
    const p = partiesProgress('simulating', 100, streams);
    p.update(150);
    await redraw();
    p.stop();
    expect(screen.text()).toEqual([expect.stringMatching(/^simulating \[█+\] 100% \| 150 parties \|/)]);
  });

  it('prints lines off a terminal, at most as often as FIVECOLOR_PROGRESS_MS says', () => {
    const before = process.env.FIVECOLOR_PROGRESS_MS;
    const out: string[] = [];
    const streams = {
      bar: { isTTY: false },
      messages: { isTTY: false, write: (s: string) => out.push(s) },
    } as unknown as ProgressStreams;
    try {
      process.env.FIVECOLOR_PROGRESS_MS = '0';
      const each = partiesProgress('simulating', 4000, streams);
      each.update(2000);
      each.update(4000);
      each.stop();
      process.env.FIVECOLOR_PROGRESS_MS = '60000';
      const seldom = partiesProgress('applying', 4000, streams);
      seldom.update(2000);
      seldom.update(4000);
      seldom.stop();
    } finally {
      if (before === undefined) delete process.env.FIVECOLOR_PROGRESS_MS;
      else process.env.FIVECOLOR_PROGRESS_MS = before;
    }
    expect(out).toEqual([
      expect.stringMatching(/^ {2}2,000 of 4,000 parties classified \(50 %\), [\d,]+ parties\/s\n$/),
      expect.stringMatching(/^ {2}4,000 of 4,000 parties classified \(100 %\), [\d,]+ parties\/s\n$/),
    ]);
  });
});

describe('FIVECOLOR_PROGRESS_MS', () => {
  it('is milliseconds, 2000 when unset; anything else is refused naming the variable', () => {
    const before = process.env.FIVECOLOR_PROGRESS_MS;
    try {
      delete process.env.FIVECOLOR_PROGRESS_MS;
      expect(plainEveryMs()).toBe(2000);
      process.env.FIVECOLOR_PROGRESS_MS = '0';
      expect(plainEveryMs()).toBe(0);
      for (const bad of ['2s', '-5', '1.5', ' 10']) {
        process.env.FIVECOLOR_PROGRESS_MS = bad;
        expect(() => plainEveryMs()).toThrow('FIVECOLOR_PROGRESS_MS: must be a whole number of milliseconds');
      }
    } finally {
      if (before === undefined) delete process.env.FIVECOLOR_PROGRESS_MS;
      else process.env.FIVECOLOR_PROGRESS_MS = before;
    }
  });
});
