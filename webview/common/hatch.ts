/**
 * Cells an analysis could not compute because a matrix they need holds NaN/Inf are drawn hatched
 * grey instead of coloured (a colour would claim a value). Plot accepts `url(#id)` as a constant
 * fill; addHatchPattern puts the pattern into every SVG a plot produced, so an exported SVG or PNG
 * keeps it.
 */
import type { Theme } from './theme';

export const HATCH_ID = 'll-nonfinite-hatch';
export const HATCH_FILL = `url(#${HATCH_ID})`;

const SVG = 'http://www.w3.org/2000/svg';

export function addHatchPattern(root: Element, theme: Theme): void {
  const svgs = root.tagName.toLowerCase() === 'svg' ? [root] : Array.from(root.querySelectorAll('svg'));
  for (const svg of svgs) {
    if (svg.querySelector(`#${HATCH_ID}`)) continue;
    const defs = document.createElementNS(SVG, 'defs');
    const pattern = document.createElementNS(SVG, 'pattern');
    for (const [k, v] of Object.entries({ id: HATCH_ID, width: '6', height: '6', patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }))
      pattern.setAttribute(k, v);
    const back = document.createElementNS(SVG, 'rect');
    for (const [k, v] of Object.entries({ width: '6', height: '6', fill: theme.grid })) back.setAttribute(k, v);
    const line = document.createElementNS(SVG, 'line');
    for (const [k, v] of Object.entries({ x1: '0', y1: '0', x2: '0', y2: '6', stroke: theme.muted, 'stroke-width': '2' })) line.setAttribute(k, v);
    pattern.append(back, line);
    defs.append(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }
}
