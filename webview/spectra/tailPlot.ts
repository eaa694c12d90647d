/**
 * The power-law fit on a log-log plot of the eigenvalue tail (empirical P(Λ ≥ λ) and the fitted
 * (n_tail/n)·(λ/x_min)^(1−α)), with x_min as a vertical line the user drags to refit live. The
 * refit runs here with the same pure code as the worker (src/analysis/stats/powerLaw.ts), with the
 * distance of the run's fit (WeightWatcher's D or the two-sided KS distance).
 */
import * as Plot from '@observablehq/plot';
import { fitPowerLaw, fitPowerLawAt, positiveSorted, type PowerLawFit } from '../../src/analysis/stats/powerLaw';
import { h, replaceChildren, formatValue } from '../common/dom';
import type { Button, TextField } from '../common/toolkit';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';

type ScaleWithInvert = { invert?: (v: number) => number; apply?: (v: number) => number };
type PlotElement = (SVGSVGElement | HTMLElement) & { scale?: (name: string) => ScaleWithInvert | undefined };

export interface TailView {
  /** Redraws for another spectrum (eigenvalues λ = ν²) or theme. */
  show(lambda: number[], fit: PowerLawFit, theme: Theme): void;
}

/**
 * The fit in words. An unreliable fit (too few tail eigenvalues) is flagged with its reason and
 * its α is not given: a number with a huge standard error is what makes other tools mislead.
 */
export function describeFit(fit: PowerLawFit, chosen: boolean): string {
  if (!Number.isFinite(fit.alpha)) return `No power-law fit: ${fit.reason ?? 'not enough eigenvalues'}.`;
  const ww = fit.method === 'ww';
  const how = chosen
    ? ww
      ? "WeightWatcher's fit: minimum KS distance D over every eigenvalue but the largest"
      : 'Clauset et al. fit: minimum KS distance over x_min leaving ≥ 10 eigenvalues'
    : 'set by hand';
  const where = `x_min = ${formatValue(fit.xmin)} (${how}), tail = ${fit.nTail} of ${fit.n} eigenvalues`;
  if (!fit.reliable) return `Unreliable fit, α not reported: ${fit.reason}. ${where}.`;
  return `α = ${formatValue(fit.alpha)} ± ${formatValue(fit.sigma)}, ${where}, ${ww ? "WeightWatcher's KS distance D" : 'KS distance'} = ${formatValue(fit.ks)}.`;
}

/** The view's controls, made by the panel (`numberField` and `button` of ../common/toolkit): this module stays importable without a DOM. */
export interface TailControls {
  xminInput: TextField;
  reset: Button;
}

export function createTailView(container: HTMLElement, { xminInput, reset }: TailControls): TailView {
  const info = h('p', { class: 'll-spectra-fit', 'data-testid': 'spectra-fit' });
  const plotArea = h('div', { class: 'll-spectra-tail', 'data-testid': 'spectra-tail', title: 'Drag the vertical line to move x_min' });
  replaceChildren(container, h('div', { class: 'll-row ll-spectra-row' }, h('label', {}, 'x_min ', xminInput), reset), plotArea, info);

  let lambda: Float64Array = new Float64Array(0);
  let best: PowerLawFit | undefined;
  let current: PowerLawFit | undefined;
  let theme: Theme | undefined;
  let plotEl: PlotElement | undefined;
  let dragging = false;
  let pending: number | undefined;

  function draw(): void {
    if (!theme || !current) return;
    const n = lambda.length;
    if (n === 0) {
      plotArea.textContent = 'No eigenvalues to plot.';
      info.textContent = describeFit(current, true);
      return;
    }
    const points = Array.from(lambda, (x, i) => ({ x, y: (n - i) / n, tail: Number.isFinite(current!.xmin) && x >= current!.xmin }));
    const marks: Plot.Markish[] = [Plot.dot(points, { x: 'x', y: 'y', r: 2, fill: (d: { tail: boolean }) => (d.tail ? theme!.accent : theme!.muted) })];
    const fit = current;
    if (Number.isFinite(fit.alpha)) {
      const xs = Array.from({ length: 60 }, (_, i) => fit.xmin * Math.pow(lambda[n - 1]! / fit.xmin, i / 59));
      marks.push(
        Plot.line(
          xs.map((x) => ({ x, y: (fit.nTail / n) * Math.pow(x / fit.xmin, 1 - fit.alpha) })),
          {
            x: 'x',
            y: 'y',
            stroke: theme.categorical[1] ?? theme.foreground,
            strokeWidth: 2,
            // Dashed: the shape of an unreliable fit, which is drawn but given no number.
            strokeDasharray: fit.reliable ? undefined : '5 4',
          },
        ),
        Plot.ruleX([fit.xmin], { stroke: theme.categorical[4] ?? theme.foreground, strokeWidth: 3, strokeOpacity: 0.8 }),
      );
    }
    plotEl = renderPlot(
      plotArea,
      {
        width: 640,
        height: 280,
        marginLeft: 56,
        x: { type: 'log', label: 'eigenvalue λ = ν²', domain: [lambda[0]!, lambda[n - 1]!], tickFormat: '~g' },
        y: { type: 'log', label: 'P(Λ ≥ λ)', grid: true, domain: [1 / n, 1], tickFormat: '~g' },
        marks,
      },
      theme,
      { caption: 'Tail of the eigenvalue distribution P(Λ ≥ λ) on log–log axes with the fitted power law; its λmin marked.' },
    ) as PlotElement;
    info.textContent = describeFit(fit, fit === best);
    if (Number.isFinite(fit.xmin)) xminInput.value = String(Number(fit.xmin.toPrecision(6)));
  }

  function refitAt(x: number): void {
    if (!(x > 0) || lambda.length === 0) return;
    const clamped = Math.min(Math.max(x, lambda[0]!), lambda[lambda.length - 2] ?? lambda[0]!);
    current = fitPowerLawAt(lambda, clamped, { method: best?.method ?? 'clauset' });
    draw();
  }

  /** Data x of a pointer event, through the plot's own x scale. */
  function pointerX(ev: PointerEvent): number | undefined {
    const svg = plotEl instanceof SVGSVGElement ? plotEl : plotEl?.querySelector('svg');
    const scale = plotEl?.scale?.('x');
    if (!svg || !scale?.invert) return undefined;
    const rect = svg.getBoundingClientRect();
    const width = Number(svg.getAttribute('width')) || rect.width;
    return scale.invert(((ev.clientX - rect.left) * width) / rect.width);
  }

  plotArea.addEventListener('pointerdown', (ev) => {
    const x = pointerX(ev);
    if (x === undefined) return;
    dragging = true;
    plotArea.setPointerCapture(ev.pointerId);
    refitAt(x);
  });
  plotArea.addEventListener('pointermove', (ev) => {
    if (!dragging) return;
    const x = pointerX(ev);
    if (x === undefined || pending !== undefined) return;
    // One refit per frame: the fit is O(n) but redrawing the plot is the costly part.
    pending = requestAnimationFrame(() => {
      pending = undefined;
      refitAt(x);
    });
  });
  const stop = (ev: PointerEvent) => {
    dragging = false;
    if (plotArea.hasPointerCapture(ev.pointerId)) plotArea.releasePointerCapture(ev.pointerId);
  };
  plotArea.addEventListener('pointerup', stop);
  plotArea.addEventListener('pointercancel', stop);
  xminInput.addEventListener('change', () => refitAt(Number(xminInput.value)));
  reset.addEventListener('click', () => {
    current = best;
    draw();
  });

  return {
    show(values, fit, t) {
      theme = t;
      lambda = positiveSorted(values);
      // The worker's fit is the reference; recomputing it here would give the same numbers.
      best = Number.isFinite(fit.alpha) || lambda.length === 0 ? fit : fitPowerLaw(values, { method: fit.method });
      current = best;
      draw();
    },
  };
}
