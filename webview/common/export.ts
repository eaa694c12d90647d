/**
 * Exporting a plot from a webview: the SVG as a standalone file (namespaces, background, resolved
 * colours) and a PNG rendered from it through a canvas. The host writes the file through a save
 * dialog; the webview only hands over the bytes.
 */
import type { Theme } from './theme';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * The plot as one <svg>: the element itself, or, for a Plot figure with a colour legend, the
 * legend and the plot stacked into a new <svg> so the export keeps both.
 */
export function findSvg(el: Element | null | undefined): SVGSVGElement | undefined {
  if (!el) return undefined;
  if (el instanceof SVGSVGElement) return el;
  const parts = Array.from(el.querySelectorAll('svg')).filter((s) => !s.parentElement?.closest('svg'));
  if (parts.length <= 1) return parts[0];
  const sizes = parts.map(svgSize);
  const stack = document.createElementNS(SVG_NS, 'svg');
  let y = 0;
  parts.forEach((part, i) => {
    const copy = part.cloneNode(true) as SVGSVGElement;
    copy.setAttribute('x', '0');
    copy.setAttribute('y', String(y));
    copy.setAttribute('width', String(sizes[i]!.width));
    copy.setAttribute('height', String(sizes[i]!.height));
    stack.appendChild(copy);
    y += sizes[i]!.height + 8;
  });
  stack.setAttribute('width', String(Math.max(...sizes.map((s) => s.width))));
  stack.setAttribute('height', String(y - 8));
  return stack;
}

export function serializeSvg(svg: SVGSVGElement, theme: Theme): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
  const { width, height } = svgSize(svg);
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  // Outside VS Code there is no editor background behind the plot: paint it in.
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', theme.background);
  copy.insertBefore(bg, copy.firstChild);
  copy.style.color = theme.foreground;
  copy.style.fontFamily = theme.fontFamily;
  for (const s of Array.from(copy.querySelectorAll('style'))) s.removeAttribute('nonce');
  return new XMLSerializer().serializeToString(copy);
}

export function svgSize(svg: SVGSVGElement): { width: number; height: number } {
  const vb = svg.viewBox?.baseVal;
  const width = Number(svg.getAttribute('width')) || vb?.width || (svg.isConnected ? svg.getBoundingClientRect().width : 0) || 640;
  const height = Number(svg.getAttribute('height')) || vb?.height || (svg.isConnected ? svg.getBoundingClientRect().height : 0) || 400;
  return { width, height };
}

/** PNG (base64, no data: prefix) of an SVG string, at `scale` times its size. */
export async function svgToPngBase64(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.width = width;
    img.height = height;
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the plot could not be rendered to an image'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const g = canvas.getContext('2d');
    if (!g) throw new Error('this webview has no 2-D canvas');
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, width, height);
    return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Several plots side by side in one <svg>, each under its title, in the order and with the gaps of
 * the panel's layout (the diff panel's A | Δ | B): every part is the plot's own <svg> (findSvg,
 * legend included) placed at its width plus `gap`.
 */
export function sideBySideSvg(parts: { title: string; el: Element }[], theme: Theme, gap = 16): SVGSVGElement | undefined {
  const svgs = parts.map((p) => ({ title: p.title, svg: findSvg(p.el) })).filter((p): p is { title: string; svg: SVGSVGElement } => !!p.svg);
  if (!svgs.length) return undefined;
  const titleHeight = svgs.some((p) => p.title) ? Math.round(theme.fontSize * 1.6) : 0;
  const row = document.createElementNS(SVG_NS, 'svg');
  let x = 0,
    height = 0;
  for (const { title, svg } of svgs) {
    const size = svgSize(svg);
    if (title) {
      const text = document.createElementNS(SVG_NS, 'text');
      text.setAttribute('x', String(x));
      text.setAttribute('y', String(theme.fontSize));
      text.setAttribute('fill', theme.foreground);
      text.setAttribute('font-weight', 'bold');
      text.setAttribute('font-size', String(theme.fontSize));
      text.textContent = title;
      row.appendChild(text);
    }
    const copy = svg.cloneNode(true) as SVGSVGElement;
    copy.setAttribute('x', String(x));
    copy.setAttribute('y', String(titleHeight));
    copy.setAttribute('width', String(size.width));
    copy.setAttribute('height', String(size.height));
    row.appendChild(copy);
    x += size.width + gap;
    height = Math.max(height, size.height);
  }
  row.setAttribute('width', String(x - gap));
  row.setAttribute('height', String(height + titleHeight));
  return row;
}

/** Both image forms of a plot element, ready to post to the host. */
export async function exportImage(el: Element, format: 'png' | 'svg', theme: Theme): Promise<string> {
  const svg = findSvg(el);
  if (!svg) throw new Error('there is no plot to export');
  return exportSvg(svg, format, theme);
}

/** An <svg> (a plot's, or one composed by sideBySideSvg) as an SVG file's text or a PNG's base64. */
export async function exportSvg(svg: SVGSVGElement, format: 'png' | 'svg', theme: Theme): Promise<string> {
  const text = serializeSvg(svg, theme);
  if (format === 'svg') return text;
  const { width, height } = svgSize(svg);
  return svgToPngBase64(text, width, height);
}
