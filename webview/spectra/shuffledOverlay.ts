/**
 * The entry-shuffled matrix's spectrum over the singular-value histogram: a step line on the ESD's
 * own bins (Spectrum.shuffled, computed with rand_distance) and a legend entry "entries shuffled"
 * that toggles it (click, Enter or Space). The choice holds for every matrix shown until the panel
 * is reloaded.
 */
import * as Plot from '@observablehq/plot';
import type { ShuffledHistogram } from '../../src/analysis/methods/spectra/shuffledHistogram';
import type { Theme } from '../common/theme';

const LINE_CLASS = 'll-shuffled-esd';
const LABEL = 'entries shuffled';
let shown = true;

/** Step points of a histogram as a density (area 1): each bin's left edge, then the right edge of the last. */
export function shuffledDensitySteps(h: ShuffledHistogram): Array<{ x: number; y: number }> {
  const n = h.counts.reduce((a, b) => a + b, 0);
  const width = h.hi / h.counts.length;
  const y = (c: number) => (n > 0 ? c / (n * width) : 0);
  const points = h.counts.map((c, k) => ({ x: k * width, y: y(c) }));
  points.push({ x: h.hi, y: y(h.counts[h.counts.length - 1] ?? 0) });
  return points;
}

function legendText(): string {
  return `${shown ? '☑' : '☐'} ── ${LABEL}`;
}

/** The step line and its legend toggle. */
export function shuffledOverlayMarks(h: ShuffledHistogram, theme: Theme): Plot.Markish[] {
  const colour = theme.categorical[2] ?? theme.foreground;
  const line = Plot.line(shuffledDensitySteps(h), {
    x: 'x',
    y: 'y',
    curve: 'step-after',
    stroke: colour,
    strokeWidth: 1.5,
    className: LINE_CLASS,
    render(index, scales, values, dimensions, context, next) {
      const g = next!(index, scales, values, dimensions, context);
      if (g && !shown) g.style.display = 'none';
      return g;
    },
  });
  const legend = Plot.text([LABEL], {
    text: () => legendText(),
    frameAnchor: 'top-right',
    dx: -6,
    dy: 6,
    fill: colour,
    fontSize: 11,
    render(index, scales, values, dimensions, context, next) {
      const g = next!(index, scales, values, dimensions, context);
      if (!g) return g;
      g.setAttribute('role', 'checkbox');
      g.setAttribute('tabindex', '0');
      g.setAttribute('aria-checked', String(shown));
      g.setAttribute('aria-label', `Show the spectrum with ${LABEL}`);
      g.setAttribute('data-testid', 'spectra-shuffled-toggle');
      g.style.cursor = 'pointer';
      const toggle = () => {
        shown = !shown;
        g.setAttribute('aria-checked', String(shown));
        const text = g.querySelector('text');
        if (text) text.textContent = legendText();
        const drawn = g.ownerSVGElement?.querySelector<SVGElement>(`.${LINE_CLASS}`);
        if (drawn) drawn.style.display = shown ? '' : 'none';
      };
      g.addEventListener('click', toggle);
      g.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        toggle();
      });
      return g;
    },
  });
  return [line, legend];
}
