// One ECharts chart, tree-shaken: only the bar chart and the components used here are bundled.

import type { BarSeriesOption } from 'echarts/charts';
import { BarChart } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { type ComposeOption, type EChartsType, init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { html } from 'lit';
import { View } from './view.js';

use([BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer]);

export type ChartOption = ComposeOption<
  BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption
>;

/** The colors of the five codes, as the elements draw them (AA contrast on white). */
export const CODE_COLORS = {
  red: '#c62828',
  yellow: '#b58100',
  green: '#2e7d32',
  blue: '#1565c0',
  gold: '#9a6b00',
} as Record<string, string> & { blue: string; gold: string };

class FcChart extends View {
  static override properties = { option: { attribute: false }, label: {} };
  declare option: ChartOption | null;
  declare label: string;
  #chart: EChartsType | null = null;
  #resize = new ResizeObserver(() => this.#chart?.resize());

  constructor() {
    super();
    this.option = null;
    this.label = '';
  }

  override render() {
    return html`<div class="chart" role="img" aria-label=${this.label}></div>`;
  }

  override updated(): void {
    const el = this.querySelector<HTMLDivElement>('.chart');
    if (!el || !this.option) return;
    if (!this.#chart) {
      this.#chart = init(el, null, { renderer: 'svg' });
      this.#resize.observe(el);
    }
    this.#chart.setOption({ animation: false, aria: { enabled: true }, ...this.option }, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize.disconnect();
    this.#chart?.dispose();
    this.#chart = null;
  }
}

customElements.define('fc-chart', FcChart);
