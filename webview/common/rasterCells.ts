/**
 * Large heatmaps as one image: a render function for a Plot cell mark (Plot's `render` option,
 * mark.d.ts RenderFunction) that paints each cell, one band step square, in the colour Plot's own
 * scale gave it, on a canvas of the plot's size in device pixels, and places that canvas in the plot
 * as a single SVG <image>, where Plot would draw one <rect> per cell. An 80 × 64 heatmap
 * is then a handful of nodes instead of 5 120; the mark itself is unchanged, so its scales, legend,
 * hover tip (Plot's pointer works on channel values, not on elements), the figure's table and the
 * keyboard (figureKeys.ts reads the mark's data) all behave as before, and SVG/PNG exports keep the
 * image. Panels use it past RASTER_CELLS cells and keep per-cell rects (and their test ids) below.
 */
import type * as Plot from '@observablehq/plot';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Past this many cells a heatmap mark is drawn as one image (thousands of rects cost more than a frame to lay out). */
export const RASTER_CELLS = 2000;

interface BandScaleFn {
  (v: unknown): number | undefined;
  domain(): unknown[];
  step?(): number;
  bandwidth?(): number;
}

/** Column and row of each cell in the band domains, with the image's place (top-left corner and one step a pixel). */
export interface RasterLayout {
  cols: number;
  rows: number;
  x0: number;
  y0: number;
  stepX: number;
  stepY: number;
}

/** Where the image goes: from the first band's start less half its padding, one step a cell. Pure. */
export function rasterLayout(
  x: { domain: unknown[]; start: number; step: number; bandwidth: number },
  y: { domain: unknown[]; start: number; step: number; bandwidth: number },
): RasterLayout {
  return {
    cols: x.domain.length,
    rows: y.domain.length,
    x0: x.start - (x.step - x.bandwidth) / 2,
    y0: y.start - (y.step - y.bandwidth) / 2,
    stepX: x.step,
    stepY: y.step,
  };
}

function band(scale: BandScaleFn | undefined): { domain: unknown[]; start: number; step: number; bandwidth: number; index: Map<string, number> } | undefined {
  if (!scale?.step || !scale.bandwidth) return undefined;
  const domain = scale.domain();
  if (!domain.length) return undefined;
  return { domain, start: scale(domain[0]) ?? 0, step: scale.step(), bandwidth: scale.bandwidth(), index: new Map(domain.map((d, i) => [String(d), i])) };
}

/**
 * The render function: pass as `render` in a Plot.cell's options. Falls back to Plot's own drawing
 * where x or y is not a band scale.
 */
export const rasterCellRender: Plot.RenderFunction = function (this: Plot.Mark, index, scales, values, dimensions, context, next) {
  const sx = band(scales.x as unknown as BandScaleFn | undefined),
    sy = band(scales.y as unknown as BandScaleFn | undefined);
  const X = (values as Record<string, ArrayLike<number> | undefined>).x1 ?? (values as Record<string, ArrayLike<number> | undefined>).x;
  const Y = (values as Record<string, ArrayLike<number> | undefined>).y1 ?? (values as Record<string, ArrayLike<number> | undefined>).y;
  if (!sx || !sy || !X || !Y) return next ? next(index, scales, values, dimensions, context) : null;
  const F = (values as { fill?: ArrayLike<string> }).fill;
  const mark = this as unknown as { fill?: string; className?: string; ariaLabel?: string };
  // A pattern fill (hatching: url(#…)) has no canvas colour: such a mark keeps its rects.
  const isPattern = (f: unknown) => typeof f === 'string' && f.startsWith('url(');
  if (isPattern(mark.fill) || (F && Array.from(index, (i) => F[i]).some(isPattern))) return next ? next(index, scales, values, dimensions, context) : null;
  const layout = rasterLayout(sx, sy);
  // At the drawn size in device pixels: a browser scales an SVG image up smoothly, which would blur the cells together.
  const ratio = globalThis.devicePixelRatio || 1;
  const cw = layout.stepX * ratio,
    ch = layout.stepY * ratio;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.ceil(layout.cols * cw));
  canvas.height = Math.max(1, Math.ceil(layout.rows * ch));
  const g2 = canvas.getContext('2d');
  if (g2) {
    for (const i of index) {
      const fill = F ? F[i] : mark.fill;
      if (fill == null || fill === 'none') continue;
      // The scaled position is the band's start: back to its column and row.
      const col = Math.round((X[i]! - sx.start) / sx.step),
        row = Math.round((Y[i]! - sy.start) / sy.step);
      const x0 = Math.round(col * cw),
        y0 = Math.round(row * ch);
      g2.fillStyle = String(fill);
      g2.fillRect(x0, y0, Math.round((col + 1) * cw) - x0, Math.round((row + 1) * ch) - y0);
    }
  }
  const g = document.createElementNS(SVG_NS, 'g');
  g.setAttribute('aria-label', mark.ariaLabel ?? 'cell');
  if (mark.className) g.setAttribute('class', mark.className);
  const image = document.createElementNS(SVG_NS, 'image');
  image.setAttribute('x', String(layout.x0));
  image.setAttribute('y', String(layout.y0));
  image.setAttribute('width', String(layout.cols * layout.stepX));
  image.setAttribute('height', String(layout.rows * layout.stepY));
  image.setAttribute('preserveAspectRatio', 'none');
  image.setAttribute('href', canvas.toDataURL());
  g.appendChild(image);
  return g;
};
