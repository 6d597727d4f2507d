// Statistics dashboard: colors today, records by month and category, repairs and gold, colors at month
// end, records by court; each chart with its table beside it and a CSV export.
import type { RouterOutputs } from '@fivecolor/client';
import { html, nothing, type TemplateResult } from 'lit';
import '../chart.js';
import { type ChartOption, CODE_COLORS } from '../chart.js';
import { addMonths, cstToday, download, toCsv } from '../format.js';
import { t } from '../i18n.js';
import { session } from '../session.js';
import { field, formStatus, idle, runForm, submit } from '../ui.js';
import { View } from '../view.js';

type Summary = RouterOutputs['stats']['summary'];
type Series = RouterOutputs['stats']['series'];
const COLOR_ORDER = ['red', 'yellow', 'green', 'blue', 'gold'];

class StatsView extends View {
  static override properties = { gen: {}, summary: { state: true }, series: { state: true } };
  declare gen: number;
  declare summary: Summary | null;
  declare series: Series | null;
  #period = idle();
  #from = addMonths(cstToday(), -11);
  #to = cstToday();
  #court = '';

  constructor() {
    super();
    this.summary = null;
    this.series = null;
  }

  override firstUpdated(): void {
    void this.#load(null);
  }

  async #load(form: HTMLFormElement | null) {
    const s = session();
    if (!s) return;
    if (form) {
      const d = new FormData(form);
      this.#from = String(d.get('from') || this.#from);
      this.#to = String(d.get('to') || this.#to);
      this.#court = String(d.get('court') ?? '').trim();
    }
    await runForm(
      this,
      this.#period,
      null,
      async () => {
        const [summary, series] = await Promise.all([
          s.client.stats.summary.query(this.#court ? { court: this.#court } : undefined),
          s.client.stats.series.query({
            from: this.#from,
            to: this.#to,
            ...(this.#court ? { court: this.#court } : {}),
          }),
        ]);
        this.summary = summary;
        this.series = series;
      },
      () => '',
    );
  }

  /** A chart, its table, and a CSV export of the table. */
  #panel(
    id: string,
    title: string,
    option: ChartOption,
    head: string[],
    rows: (string | number)[][],
  ): TemplateResult {
    const T = t();
    return html`<section class="card panel" aria-labelledby=${`${id}-h`} data-panel=${id}>
      <div class="panel-head">
        <h2 id=${`${id}-h`}>${title}</h2>
        <button type="button" class="small" @click=${() => download(`${id}.csv`, toCsv([head, ...rows]))}
          aria-label=${`${T.exportCsv}: ${title}`}>${T.exportCsv}</button>
      </div>
      <div class="panel-body">
        <fc-chart .option=${option} label=${T.chartOf(title)}></fc-chart>
        <div class="table-wrap" tabindex="0" role="region" aria-label=${title}><table>
          <thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
          <tbody>${rows.map((r) => html`<tr>${r.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td>${c}</td>`))}</tr>`)}</tbody>
        </table></div>
      </div>
    </section>`;
  }

  #charts(): TemplateResult | typeof nothing {
    const T = t();
    const sum = this.summary;
    const ser = this.series;
    if (!sum || !ser) return nothing;
    const months = ser.months.map((m) => m.month);
    const bar = (name: string, data: number[], color?: string, stack?: string) => ({
      type: 'bar' as const,
      name,
      data,
      ...(stack ? { stack } : {}),
      ...(color ? { itemStyle: { color } } : {}),
    });
    const base = (cats: string[]): ChartOption => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: cats },
      yAxis: { type: 'value', minInterval: 1 },
    });
    const colorsToday = COLOR_ORDER.map((c) => sum.byColor[c] ?? 0);
    const cats = [...new Set(ser.months.flatMap((m) => Object.keys(m.records)))].sort();
    const own = session()?.who.court ?? null;
    const courts = Object.entries(sum.byCourt)
      .filter(([c]) => own === null || own === '最高法' || c.startsWith(own))
      .sort((a, b) => b[1] - a[1]);
    return html`
      <p class="totals">${T.partiesN}: <strong>${sum.parties}</strong> · ${T.recordsN}: <strong>${sum.records}</strong></p>
      <div class="panels">
      ${this.#panel(
        'colors-today',
        T.colorsToday,
        {
          ...base(COLOR_ORDER.map((c) => T.colors[c] ?? c)),
          legend: { show: false },
          series: [
            {
              type: 'bar',
              name: T.count,
              data: COLOR_ORDER.map((c, i) => ({
                value: colorsToday[i] ?? 0,
                itemStyle: { color: CODE_COLORS[c] ?? '#555' },
              })),
            },
          ],
        },
        [T.color, T.count],
        COLOR_ORDER.map((c, i) => [T.colors[c] ?? c, colorsToday[i] ?? 0]),
      )}
      ${this.#panel(
        'records-by-month',
        T.recordsByMonth,
        {
          ...base(months),
          series: cats.map((c) =>
            bar(
              c,
              ser.months.map((m) => m.records[c] ?? 0),
              undefined,
              'records',
            ),
          ),
        },
        [T.month, ...cats, T.total],
        ser.months.map((m) => [
          m.month,
          ...cats.map((c) => m.records[c] ?? 0),
          Object.values(m.records).reduce((a, b) => a + b, 0),
        ]),
      )}
      ${this.#panel(
        'repairs-gold',
        T.repairsGold,
        {
          ...base(months),
          series: [
            bar(
              T.repairs,
              ser.months.map((m) => m.repairs),
              CODE_COLORS.blue,
            ),
            bar(
              T.golds,
              ser.months.map((m) => m.gold),
              CODE_COLORS.gold,
            ),
          ],
        },
        [T.month, T.repairs, T.golds],
        ser.months.map((m) => [m.month, m.repairs, m.gold]),
      )}
      ${this.#panel(
        'colors-at-end',
        T.colorsAtEnd,
        {
          ...base(months),
          series: COLOR_ORDER.map((c) =>
            bar(
              T.colors[c] ?? c,
              ser.months.map((m) => m.colorsAtEnd[c] ?? 0),
              CODE_COLORS[c] ?? '#555',
              'colors',
            ),
          ),
        },
        [T.month, ...COLOR_ORDER.map((c) => T.colors[c] ?? c)],
        ser.months.map((m) => [m.month, ...COLOR_ORDER.map((c) => m.colorsAtEnd[c] ?? 0)]),
      )}
      ${this.#panel(
        'by-court',
        T.byCourt,
        {
          ...base(courts.map(([c]) => c)),
          legend: { show: false },
          series: [
            bar(
              T.count,
              courts.map(([, n]) => n),
              '#37474f',
            ),
          ],
        },
        [T.court, T.count],
        courts.map(([c, n]) => [c, n]),
      )}
      </div>`;
  }

  override render() {
    const T = t();
    const st = this.#period;
    const input = (name: string, label: string, value: string, type = 'date') =>
      field(
        'period',
        st,
        name,
        label,
        (a) => html`<input id=${a.id} name=${name} type=${type} .value=${value}
        aria-invalid=${a.invalid ? 'true' : 'false'} aria-describedby=${a.describedby} />`,
      );
    return html`<h1>${T.statsTitle}</h1>
      <form id="period" class="inline card no-print" @submit=${(e: SubmitEvent) => {
        e.preventDefault();
        void this.#load(e.target as HTMLFormElement);
      }} novalidate>
        ${input('from', T.from, this.#from)} ${input('to', T.to, this.#to)}
        ${input('court', `${T.court}（${T.optional}）`, this.#court, 'text')}
        ${submit(st, T.show)} ${formStatus(st)}
      </form>
      ${this.#charts()}`;
  }
}

customElements.define('fc-stats-view', StatsView);
