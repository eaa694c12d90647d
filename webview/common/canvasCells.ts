/**
 * A grid of equal square cells painted straight into a canvas's pixels (one ImageData write) instead
 * of one fillStyle + fillRect per cell: 8 similarity multiples of 80 × 80 layers are 51 200 cells,
 * and parsing a colour string and filling a rect for each is most of their drawing time. Colours are
 * any CSS colour the 2D context accepts (Plot's scales give "rgb(…)"); each distinct one is resolved
 * once, by the context itself.
 */

type Rgba = [number, number, number, number];

/** RGBA bytes (not premultiplied, as ImageData holds them) of CSS colours, resolved through a 2D context. */
export function colourResolver(g: CanvasRenderingContext2D): (css: string) => Rgba {
  const cache = new Map<string, Rgba>();
  return (css) => {
    let c = cache.get(css);
    if (c) return c;
    // The context normalises a colour it accepts to "#rrggbb" (opaque) or "rgba(r, g, b, a)"; an invalid one leaves the sentinel.
    g.fillStyle = '#000000';
    g.fillStyle = css;
    const s = String(g.fillStyle);
    if (s.startsWith('#')) c = [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16), 255];
    else {
      const m = /rgba?\(([^)]+)\)/.exec(s);
      const p = m ? m[1]!.split(',').map(Number) : [0, 0, 0, 0];
      c = [p[0]!, p[1]!, p[2]!, Math.round(255 * (p[3] ?? 1))];
    }
    cache.set(css, c);
    return c;
  };
}

/**
 * Paints rows × cols cells of `cell` CSS pixels each, at device-pixel `ratio`, from the top-left
 * corner: cell (i, j) in colourOf(i, j). The canvas must be at least cols·cell·ratio × rows·cell·ratio.
 */
export function paintCells(
  canvas: HTMLCanvasElement,
  rows: number,
  cols: number,
  cell: number,
  ratio: number,
  colourOf: (i: number, j: number) => string,
): void {
  const g = canvas.getContext('2d');
  if (!g || rows === 0 || cols === 0) return;
  const resolve = colourResolver(g);
  const width = Math.ceil(cols * cell * ratio),
    height = Math.ceil(rows * cell * ratio);
  const image = g.createImageData(width, height);
  const px = image.data;
  const edge = (k: number) => Math.round(k * cell * ratio);
  for (let i = 0; i < rows; i++) {
    const y0 = edge(i),
      y1 = edge(i + 1);
    for (let j = 0; j < cols; j++) {
      const [r, gr, b, a] = resolve(colourOf(i, j));
      const x0 = edge(j),
        x1 = edge(j + 1);
      for (let y = y0; y < y1; y++)
        for (let x = x0, o = (y * width + x0) * 4; x < x1; x++, o += 4) {
          px[o] = r;
          px[o + 1] = gr;
          px[o + 2] = b;
          px[o + 3] = a;
        }
    }
  }
  g.putImageData(image, 0, 0);
}
