// How the one-off commands show long work: a bar on a terminal, else a plain line now and then.
import type { IntegrityProgress } from '@fivecolor/api';
import cliProgress from 'cli-progress';

/** A count as the commands print it: `119,998`. */
export const count = (x: number) => x.toLocaleString('en-US');

/**
 * How often a progress line is printed when not on a terminal: `FIVECOLOR_PROGRESS_MS` (ms), default
 * 2000.
 */
export function plainEveryMs(): number {
  const v = process.env.FIVECOLOR_PROGRESS_MS;
  if (v === undefined || v === '') return 2000;
  if (!/^\d{1,9}$/.test(v)) throw new Error('FIVECOLOR_PROGRESS_MS: must be a whole number of milliseconds');
  return Number(v);
}

/** Where the progress goes: the bar's terminal (stderr) and the messages' stream (stdout). */
export interface ProgressStreams {
  bar: NodeJS.WriteStream;
  messages: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
}

/**
 * Progress: a bar (rows, rows/s, ETA by bytes read) on a terminal; otherwise a plain line at most every
 * two seconds, printed after a batch has committed. Messages (`log`) printed while the bar runs on the
 * same terminal go above it, so no stale copy of the bar is left between them.
 */
export class Progress {
  /** cli-progress's MultiBar, with one bar: its `log` prints above the bar (a SingleBar has no such thing). */
  private readonly bars: cliProgress.MultiBar | null;
  private readonly bar: cliProgress.SingleBar | null;
  private done = 0;
  private read = 0;
  private readonly started = performance.now();
  private printed = performance.now();
  private readonly every = plainEveryMs();

  constructor(
    private readonly total: number,
    private readonly label: 'importing' | 'checking',
    private readonly streams: ProgressStreams = { bar: process.stderr, messages: process.stdout },
  ) {
    this.bars = streams.bar.isTTY
      ? new cliProgress.MultiBar(
          {
            format: `${label} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`,
            barsize: barsize(streams.bar, 64),
            etaBuffer: 50,
            // The cursor shown and lines wrapped, as the terminal is left: the command has no SIGINT handler,
            // so a Ctrl-C would leave it without a cursor or wrapping; and a long message above the bar wraps.
            hideCursor: false,
            linewrap: true,
            stream: streams.bar,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.bar = this.bars?.create(Math.max(total, 1), 0, { rows: '0', rate: '0' }) ?? null;
  }

  private rate(): number {
    return Math.round(this.done / Math.max((performance.now() - this.started) / 1000, 0.001));
  }

  bytes(n: number): void {
    this.read += n;
    this.bar?.update(this.read, {
      rows: count(this.done),
      rate: count(this.rate()),
    });
  }

  rows(n: number): void {
    this.done += n;
    this.bar?.update(this.read, {
      rows: count(this.done),
      rate: count(this.rate()),
    });
    if (!this.bar && performance.now() - this.printed >= this.every) {
      this.printed = performance.now();
      const pct = this.total > 0 ? Math.round((100 * this.read) / this.total) : 100;
      this.streams.messages.write(
        `  ${count(this.done)} rows ${this.label === 'checking' ? 'checked' : 'done'}, ${count(this.rate())} rows/s, ${pct}% of the file read\n`,
      );
    }
  }

  /** A message line: above the bar when both share the terminal, else as it is (e.g. to a file). */
  log(text: string): void {
    if (this.bars && this.streams.messages.isTTY) this.bars.log(`${text}\n`);
    else this.streams.messages.write(`${text}\n`);
  }

  /** Ends the bar (again: nothing). */
  stop(): void {
    if (!this.bars?.isActive) return;
    this.bars.update(); // prints what `log` buffered since the last redraw: `stop` alone would drop it
    this.bars.stop();
  }
}

/**
 * The progress of `verify` (minutes at a million parties): a bar on a terminal, else a line at most every
 * two seconds.
 */
export function verifyProgress() {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          format: 'verifying [{bar}] {percentage}% | {checked}/{all} | {table} | ETA {eta_formatted}',
          barsize: barsize(process.stderr, 70),
          etaBuffer: 50,
          linewrap: true, // as the terminal is left after a Ctrl-C (there is no SIGINT handler)
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const every = plainEveryMs();
  let printed = performance.now();
  return {
    update(p: IntegrityProgress): void {
      // Rows written meanwhile take `checked` past the count made at the start.
      const all = Math.max(p.total, p.checked);
      const payload = { table: p.table, checked: count(p.checked), all: count(all) };
      if (bar) {
        if (!bar.isActive) bar.start(Math.max(all, 1), 0, payload);
        bar.setTotal(Math.max(all, 1));
        bar.update(p.checked, payload);
      } else if (performance.now() - printed >= every) {
        printed = performance.now();
        const pct = Math.round((100 * p.checked) / Math.max(all, 1));
        console.log(`  ${count(p.checked)} of ${count(all)} rows checked (${pct} %), reading ${p.table}`);
      }
    },
    stop(): void {
      bar?.stop();
    },
  };
}

/**
 * The progress of `policy simulate` and `policy apply` over every party: a bar (parties, parties/s, ETA)
 * on a terminal, else a line at most every two seconds.
 */
export function partiesProgress(
  label: 'simulating' | 'applying',
  total: number,
  streams: ProgressStreams = { bar: process.stderr, messages: process.stdout },
) {
  const bar = streams.bar.isTTY
    ? new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {parties} parties | {rate}/s | ETA {eta_formatted}`,
          barsize: barsize(streams.bar, 62),
          etaBuffer: 20,
          hideCursor: false, // as the terminal is left after a Ctrl-C (there is no SIGINT handler)
          linewrap: true,
          stream: streams.bar,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const every = plainEveryMs();
  const started = performance.now();
  let printed = started;
  const payload = (done: number) => ({
    parties: count(done),
    rate: count(Math.round(done / Math.max((performance.now() - started) / 1000, 0.001))),
  });
  return {
    /** `done` parties so far (more than `total` when parties were added meanwhile). */
    update(done: number): void {
      const p = payload(done);
      if (bar) {
        if (!bar.isActive) bar.start(Math.max(total, 1), 0, p); // drawn once there is progress to show
        if (done > total) bar.setTotal(done);
        bar.update(done, p);
      } else if (performance.now() - printed >= every) {
        printed = performance.now();
        const pct = Math.round((100 * done) / Math.max(total, done, 1));
        const verb = label === 'simulating' ? 'classified' : 'recomputed';
        streams.messages.write(
          `  ${p.parties} of ${count(Math.max(total, done))} parties ${verb} (${pct} %), ${p.rate} parties/s\n`,
        );
      }
    },
    stop(): void {
      bar?.stop();
    },
  };
}

/**
 * The bar's width that leaves `text` columns (the longest the rest of the line gets) for the rest on a
 * terminal `columns` wide: a line wider than the terminal wraps, and each redraw then leaves a copy.
 */
function barsize(stream: { columns?: number }, text: number): number {
  return Math.max(10, Math.min(40, (stream.columns ?? 80) - text));
}
