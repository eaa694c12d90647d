/**
 * The selected tensor's statistics: a table (min, max, mean, std, abs-mean, zeros, NaN/Inf) and a
 * histogram (Observable Plot), with progress and Cancel while the worker streams the tensor, and
 * PNG/SVG/CSV/JSON export. Non-finite values are counted and flagged, never plotted.
 */
import { formatBytes, formatCount, formatPercent, formatValue, h, replaceChildren } from '../common/dom';
import { button } from '../common/toolkit';
import { exportImage } from '../common/export';
import { histogramOptions, renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { DetailPane } from './detailPane';
import type { StatsModel, TensorRow } from './viewModel';

export interface StatsActions {
  cancel(): void;
  exportImage(format: 'png' | 'svg', data: string, name: string): void;
  exportStats(format: 'csv' | 'json', tensor: string): void;
}

export class StatsPane {
  readonly element = h('section', { class: 'me-stats', 'aria-live': 'polite' });
  private tensor: TensorRow | undefined;
  private stats: StatsModel | undefined;
  private plotHost: HTMLElement | undefined;
  private detail: DetailPane | undefined;

  constructor(
    private readonly actions: StatsActions,
    private theme: Theme,
  ) {
    this.idle();
  }

  idle(): void {
    this.tensor = undefined;
    this.stats = undefined;
    this.detail = undefined;
    this.element.replaceChildren(
      h('h2', {}, 'Statistics'),
      h('p', { class: 'll-muted' }, 'Click a tensor to compute its statistics and histogram. Values are streamed from disk, so any size works.'),
    );
  }

  private heading(t: TensorRow): HTMLElement {
    return h(
      'div',
      { class: 'me-stats-head' },
      h('h2', { class: 'll-mono', title: t.name }, t.name),
      h(
        'div',
        { class: 'll-muted' },
        `[${t.shape.join(', ')}] · ${t.dtype} · ${formatCount(t.params)} values · ${formatBytes(t.bytes)}${t.role ? ` · ${t.role}` : ''}`,
      ),
    );
  }

  computing(t: TensorRow): void {
    this.tensor = t;
    this.stats = undefined;
    this.detail = undefined;
    const progress = h('progress', { class: 'll-progress', max: 1, value: 0 });
    this.element.replaceChildren(
      this.heading(t),
      h(
        'div',
        { class: 'me-computing' },
        h('span', { class: 'll-spinner', role: 'progressbar', 'aria-label': 'computing' }),
        progress,
        h('span', { class: 'll-muted me-progress-text' }, 'Reading…'),
        button({ appearance: 'secondary', onClick: () => this.actions.cancel() }, 'Cancel'),
      ),
    );
  }

  progress(done: number, total: number): void {
    const bar = this.element.querySelector('progress');
    const text = this.element.querySelector('.me-progress-text');
    if (bar) {
      bar.max = Math.max(1, total);
      bar.value = Math.min(done, total);
    }
    if (text) text.textContent = total > 0 ? `${Math.round((100 * done) / total)} %` : 'Reading…';
  }

  failed(t: TensorRow | undefined, message: string, cancelled: boolean): void {
    this.stats = undefined;
    this.detail = undefined;
    this.element.replaceChildren(
      ...(t ? [this.heading(t)] : [h('h2', {}, 'Statistics')]),
      h('div', { class: `ll-message ${cancelled ? 'll-info' : 'll-error'}` }, cancelled ? 'Cancelled. Click the tensor again to restart.' : message),
    );
  }

  show(t: TensorRow, stats: StatsModel): void {
    this.tensor = t;
    this.stats = stats;
    const rows: [string, string, string?][] = [
      ['min', formatValue(stats.min)],
      ['max', formatValue(stats.max)],
      ['mean', formatValue(stats.mean)],
      ['std', formatValue(stats.std)],
      ['abs-mean', formatValue(stats.absMean)],
      ['zeros', formatPercent(stats.zeroFraction)],
      ['NaN', formatCount(stats.nanCount), stats.nanCount > 0 ? 'me-bad' : undefined],
      ['±Inf', formatCount(stats.infCount), stats.infCount > 0 ? 'me-bad' : undefined],
    ];
    const nonFinite = stats.nanCount + stats.infCount;
    this.plotHost = h('div', { class: 'me-histogram' });
    this.detail = stats.detail ? new DetailPane(stats.detail, t, this.theme) : undefined;
    const exportButtons = h(
      'div',
      { class: 'me-export' },
      h('span', { class: 'll-muted' }, 'Export'),
      ...(['png', 'svg'] as const).map((f) => button({ appearance: 'secondary', onClick: () => void this.exportPlot(f) }, f.toUpperCase())),
      ...(['csv', 'json'] as const).map((f) => button({ appearance: 'secondary', onClick: () => this.actions.exportStats(f, t.name) }, f.toUpperCase())),
    );
    replaceChildren(
      this.element,
      this.heading(t),
      nonFinite > 0
        ? h(
            'div',
            { class: 'll-message ll-error' },
            `${formatCount(nonFinite)} non-finite values (NaN/Inf): they are left out of min/max/mean/std and the histogram.`,
          )
        : null,
      h(
        'table',
        { class: 'll-table me-stat-table' },
        h('tbody', {}, ...rows.map(([k, v, cls]) => h('tr', {}, h('th', {}, k), h('td', { class: `ll-num ll-mono ${cls ?? ''}` }, v)))),
      ),
      this.plotHost,
      exportButtons,
      this.detail?.element ?? null,
      stats.seconds !== undefined ? h('p', { class: 'll-muted' }, `Computed in ${stats.seconds.toFixed(2)} s.`) : null,
    );
    this.drawPlot();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.drawPlot();
    this.detail?.setTheme(theme);
  }

  private drawPlot(): void {
    if (!this.stats || !this.plotHost) return;
    if (this.stats.bins.length === 0) {
      this.plotHost.replaceChildren(h('p', { class: 'll-muted' }, 'No finite values to plot.'));
      return;
    }
    const width = Math.max(320, Math.min(720, this.element.clientWidth || 560));
    renderPlot(this.plotHost, histogramOptions(this.stats.bins, this.theme, { width, height: 220, xLabel: this.tensor?.name ?? 'value' }), this.theme, {
      caption: `Histogram of the values of ${this.tensor?.name ?? 'the tensor'}.`,
    });
  }

  private async exportPlot(format: 'png' | 'svg'): Promise<void> {
    if (!this.plotHost || !this.tensor) return;
    try {
      this.actions.exportImage(format, await exportImage(this.plotHost, format, this.theme), this.tensor.name);
    } catch (err) {
      this.element.append(h('div', { class: 'll-message ll-error' }, `Export failed: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}
