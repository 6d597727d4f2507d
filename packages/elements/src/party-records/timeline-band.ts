import { html, type TemplateResult } from 'lit';
import type { PortalStrings } from '../locales/portal-strings.js';
import type { Color } from '../types.js';

/** One run of a color (`party.timeline`'s segments): `from` null = from the start, `until` null = open. */
export interface Segment {
  color: Color;
  from: string | null;
  until: string | null;
}

const ms = (day: string) => Date.parse(`${day}T00:00:00Z`);
const shift = (day: string, years: number) => `${Number(day.slice(0, 4)) + years}${day.slice(4)}`;

/**
 * The color timeline drawn as a band over the years: one colored block per segment, as wide as it
 * lasts within the window shown (a year before the first change to a year after today or the last
 * one), with the color written in each block and in full for screen readers, and year ticks below.
 */
export function timelineBand(
  segments: readonly Segment[],
  today: string,
  t: PortalStrings,
  colors: Record<Color, string>,
): TemplateResult {
  const dates = [today, ...segments.flatMap((s) => [s.from, s.until])]
    .filter((d): d is string => d !== null)
    .sort();
  const first = dates[0] ?? today;
  const last = dates.at(-1) ?? today;
  const start = ms(`${shift(first, -1).slice(0, 4)}-01-01`);
  const end = ms(`${Number(last.slice(0, 4)) + 2}-01-01`);
  const span = end - start;
  const pct = (a: number, b: number) =>
    `${(((Math.min(b, end) - Math.max(a, start)) / span) * 100).toFixed(3)}%`;
  const blocks = segments
    .map((s) => ({ s, a: s.from ? ms(s.from) : start, b: s.until ? ms(s.until) : end }))
    .filter(({ a, b }) => b > start && a < end);
  const years: number[] = [];
  for (let y = new Date(start).getUTCFullYear(); ms(`${y}-01-01`) < end; y++) years.push(y);
  const step = years.length > 10 ? 2 : 1;
  const todayAt = `${(((ms(today) - start) / span) * 100).toFixed(3)}%`;
  return html`<div class="band-wrap">
    <ol part="timeline" class="band" aria-label=${t.timelineLabel}>
      ${blocks.map(
        ({
          s,
          a,
          b,
        }) => html`<li class="block" data-color=${s.color} data-width=${pct(a, b)} title=${t.segment(colors[s.color], s.from ?? t.noStart, s.until ?? t.present)}>
          <span class="sr-only">${t.segment(colors[s.color], s.from ?? t.noStart, s.until ?? t.present)}</span>
          <span class="block-label" aria-hidden="true">${(b - a) / span > 0.12 ? colors[s.color] : ''}</span>
        </li>`,
      )}
    </ol>
    <div class="ticks" aria-hidden="true">
      ${years
        .filter((_, i) => i % step === 0)
        .map(
          (y) =>
            html`<span class="tick" data-left=${`${(((ms(`${y}-01-01`) - start) / span) * 100).toFixed(3)}%`}>${y}</span>`,
        )}
      <span class="today" data-left=${todayAt}></span>
    </div>
  </div>`;
}

/** Lengths are set from `data-*` after render: a CSP without `unsafe-inline` refuses style attributes. */
export function sizeBand(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('.block[data-width]'))
    el.style.setProperty('flex-basis', el.dataset.width ?? '0');
  for (const el of root.querySelectorAll<HTMLElement>('[data-left]'))
    el.style.setProperty('left', el.dataset.left ?? '0');
}
