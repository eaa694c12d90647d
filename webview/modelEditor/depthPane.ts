/**
 * The model editor's "Depth" section: weights over depth (‖W‖_F, σ and max |w| per kind against
 * layer), computed on demand — a button, then progress with Cancel while the worker streams every
 * matrix from disk, then three small line plots and any unreadable or NaN/Inf matrices listed.
 */
import * as Plot from '@observablehq/plot';
import type { DepthStats } from '../../src/analysis/model/depthStats';
import { formatCount, h, replaceChildren } from '../common/dom';
import { button } from '../common/toolkit';
import { renderPlot } from '../common/plot';
import { kindColorScale } from '../common/kindColor';
import type { Theme } from '../common/theme';
import { DEPTH_METRICS, depthLines, depthNotes, type DepthLine } from './depthModel';

export interface DepthActions {
  compute(): void;
  cancel(): void;
}

function linePlot(lines: DepthLine[], label: string, theme: Theme): Plot.PlotOptions {
  const rows = lines.flatMap((s) => s.points.map((p) => ({ series: s.name, ...p })));
  const names = lines.map((s) => s.name);
  return {
    width: 330,
    height: 220,
    marginLeft: 56,
    x: { label: 'layer', tickFormat: 'd' },
    y: { label, grid: true, tickFormat: '~g' },
    color: kindColorScale(names, theme),
    marks: [
      Plot.line(rows, { x: 'x', y: 'y', stroke: 'series', z: 'series' }),
      Plot.dot(rows, {
        x: 'x',
        y: 'y',
        fill: 'series',
        r: 2,
        tip: true,
        title: (d: { series: string; x: number; y: number; experts: number }) =>
          `layer ${d.x} ${d.series}: ${d.y.toPrecision(5)}${d.experts ? ` (over ${d.experts} experts)` : ''}`,
      }),
    ],
  };
}

export class DepthPane {
  readonly element = h('section', { class: 'me-depth', 'data-testid': 'me-depth', 'aria-live': 'polite' });
  private stats: DepthStats | undefined;

  constructor(
    private readonly actions: DepthActions,
    private theme: Theme,
  ) {
    this.idle();
  }

  idle(): void {
    this.stats = undefined;
    replaceChildren(
      this.element,
      h('h2', {}, 'Depth'),
      h('p', { class: 'll-muted' }, '‖W‖_F, σ and max |w| of every matrix against layer, one line per kind: read from disk matrix by matrix.'),
      button({ testid: 'me-depth-run', onClick: () => this.actions.compute() }, 'Compute weights over depth'),
    );
  }

  computing(): void {
    replaceChildren(
      this.element,
      h('h2', {}, 'Depth'),
      h('p', { class: 'me-depth-progress', 'data-testid': 'me-depth-progress' }, 'Starting…'),
      button({ appearance: 'secondary', onClick: () => this.actions.cancel() }, 'Cancel'),
    );
  }

  progress(done: number, total: number, message?: string): void {
    const p = this.element.querySelector('.me-depth-progress');
    if (p) p.textContent = `${formatCount(done)} of ${formatCount(total)} matrices${message ? ` · ${message}` : ''}`;
  }

  failed(message: string, cancelled: boolean): void {
    this.idle();
    this.element.insertBefore(h('p', { class: cancelled ? 'll-muted' : 'll-message ll-error' }, cancelled ? 'Cancelled.' : message), this.element.lastChild);
  }

  show(stats: DepthStats): void {
    this.stats = stats;
    const plots = DEPTH_METRICS.map((m) => ({ m, box: h('div', { class: 'me-depth-plot', 'data-testid': `me-depth-${m.id}` }) }));
    const notes = depthNotes(stats);
    replaceChildren(
      this.element,
      h('h2', {}, 'Depth'),
      h(
        'p',
        { class: 'll-muted' },
        `${formatCount(stats.matrices)} matrices in ${stats.seconds.toFixed(1)} s. Experts: mean ‖W‖_F and σ over a layer's routed experts, the largest max |w|.`,
      ),
      h('div', { class: 'me-depth-plots' }, ...plots.map((p) => p.box)),
      notes.length ? h('ul', { class: 'me-depth-notes' }, ...notes.map((n) => h('li', {}, n))) : null,
      button({ appearance: 'secondary', onClick: () => this.actions.compute() }, 'Compute again'),
    );
    for (const p of plots) {
      const lines = depthLines(stats, p.m.id);
      if (lines.length)
        renderPlot(p.box, linePlot(lines, p.m.label, this.theme), this.theme, { caption: `${p.m.label} (y) of each matrix kind (colour) by layer (x).` });
      else p.box.textContent = `No ${p.m.label} values.`;
    }
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    if (this.stats) this.show(this.stats);
  }
}
