/**
 * Draws a tensor's |W| image on a canvas: one slice at a time (a dropdown picks the expert of a
 * stacked expert tensor), max or mean |w| per cell, linear or log colour, axes in rows and
 * columns of the tensor, the cell under the pointer outlined and read out (rows, columns,
 * value), and under it a strip of the entries with |w| > 6σ per column cell.
 */
import * as Plot from '@observablehq/plot';
import { formatCount, formatValue, h } from '../common/dom';
import type { Theme } from '../common/theme';
import { checkbox, dropdown, numberField } from '../common/toolkit';
import type { WeightImage } from '../../src/analysis/stats/weightImage';
import { cellRange } from '../../src/analysis/stats/weightImage';
import { axisTicks, cellAtPoint, cellReadout, colourDomain, colourPosition, sliceCells, type Pooling } from './weightImageModel';

const LEFT = 52;
const TOP = 6;
const AXIS = 30;
const STRIP = 36;
const LEGEND = 26;
const LUT_SIZE = 256;
/** Above this many slices the slice is typed in, not picked from a list. */
const MAX_SLICE_CHOICES = 512;

/** 256 colours of the theme's sequential scheme as RGB bytes (Plot's own interpolation). */
function colourTable(theme: Theme): Uint8ClampedArray {
  const scale = Plot.scale({ color: { type: 'linear', scheme: theme.sequentialScheme as 'viridis', domain: [0, 1] } });
  const probe = document.createElement('canvas').getContext('2d')!;
  const out = new Uint8ClampedArray(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    // The canvas parses any CSS colour the scheme returns (rgb(), #hex, hsl()) into #rrggbb.
    probe.fillStyle = '#000000';
    probe.fillStyle = String(scale.apply(i / (LUT_SIZE - 1)));
    const hex = String(probe.fillStyle);
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    const rgb = m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : (hex.match(/\d+/g) ?? []).map(Number);
    out.set([rgb[0] ?? 0, rgb[1] ?? 0, rgb[2] ?? 0], i * 3);
  }
  return out;
}

export class WeightImagePane {
  readonly element: HTMLElement;
  private readonly canvas = h('canvas', { class: 'me-wimage-canvas', 'data-testid': 'weight-image', role: 'img', tabindex: 0 });
  private readonly readout = h('div', { class: 'll-muted ll-mono me-wimage-readout', 'aria-live': 'polite' }, 'Point at the image to read a cell.');
  private pooling: Pooling = 'max';
  private log = false;
  private slice = 0;
  private cellPx = 1;
  private grid: HTMLCanvasElement | undefined;
  private lut: Uint8ClampedArray;
  /** The cell the arrow keys move (and the pointer last pointed at). */
  private cursor = { row: 0, col: 0 };

  constructor(
    private readonly image: WeightImage,
    private theme: Theme,
    private readonly sliceLabel: (slice: number) => string,
  ) {
    this.lut = colourTable(theme);
    const controls = h(
      'div',
      { class: 'me-wimage-controls' },
      dropdown({
        label: 'Pooling of each cell',
        testid: 'weight-image-pooling',
        options: [
          { value: 'max', label: 'max |w|' },
          { value: 'mean', label: 'mean |w|' },
        ],
        value: this.pooling,
        onChange: (v) => {
          this.pooling = v === 'mean' ? 'mean' : 'max';
          this.draw();
        },
      }),
      checkbox({
        label: 'log colour',
        testid: 'weight-image-log',
        checked: this.log,
        onChange: (c) => {
          this.log = c;
          this.draw();
        },
      }),
      image.slices > 1 ? this.sliceControl() : null,
    );
    const pooled =
      image.gridRows < image.rows || image.gridCols < image.cols
        ? `each cell pools ${Math.ceil(image.rows / image.gridRows)} × ${Math.ceil(image.cols / image.gridCols)} entries (at most)`
        : 'one cell per entry';
    this.element = h(
      'section',
      { class: 'me-wimage' },
      h('h3', {}, '|W| image'),
      h(
        'p',
        { class: 'll-muted' },
        `${image.gridRows} × ${image.gridCols} cells over ${formatCount(image.rows)} rows × ${formatCount(image.cols)} columns: ${pooled}.`,
      ),
      controls,
      this.canvas,
      this.readout,
    );
    // Shrinks with a narrow pane (CSSOM writes are allowed by the CSP; style attributes are not);
    // pointer positions are scaled back to canvas pixels.
    this.canvas.style.maxWidth = '100%';
    this.canvas.style.height = 'auto';
    this.canvas.addEventListener('mousemove', (e) => {
      const sx = this.canvas.clientWidth > 0 ? this.canvas.width / this.canvas.clientWidth : 1;
      const sy = this.canvas.clientHeight > 0 ? this.canvas.height / this.canvas.clientHeight : 1;
      this.hover(e.offsetX * sx, e.offsetY * sy);
    });
    this.canvas.addEventListener('mouseleave', () => this.draw());
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.draw();
  }

  /** Picks the slice shown: a dropdown of every expert, or a number field past MAX_SLICE_CHOICES slices. */
  private sliceControl(): HTMLElement {
    const { slices } = this.image;
    const pick = (v: number) => {
      if (!Number.isInteger(v) || v < 0 || v >= slices) return;
      this.slice = v;
      this.draw();
    };
    if (slices > MAX_SLICE_CHOICES)
      return numberField({
        label: `Slice, 0 … ${slices - 1}`,
        testid: 'weight-image-slice',
        value: 0,
        min: 0,
        max: slices - 1,
        step: 1,
        size: 6,
        onChange: (v) => pick(Number(v)),
      });
    return dropdown({
      label: 'Expert slice',
      testid: 'weight-image-slice',
      options: Array.from({ length: slices }, (_, s) => ({ value: String(s), label: this.sliceLabel(s) })),
      value: '0',
      onChange: (v) => pick(Number(v)),
    });
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.lut = colourTable(theme);
    this.draw();
  }

  private get size(): { w: number; h: number } {
    return { w: this.image.gridCols * this.cellPx, h: this.image.gridRows * this.cellPx };
  }

  /** Draws the slice at grid resolution, then scales it up without smoothing with axes, legend and the outlier strip. */
  draw(): void {
    const { image } = this;
    const cells = sliceCells(image, this.slice, this.pooling);
    const domain = colourDomain(cells, this.log);
    this.cellPx = Math.max(1, Math.floor(512 / Math.max(image.gridRows, image.gridCols)));
    const grid = document.createElement('canvas');
    grid.width = image.gridCols;
    grid.height = image.gridRows;
    const g = grid.getContext('2d')!;
    const data = g.createImageData(image.gridCols, image.gridRows);
    for (let k = 0; k < cells.length; k++) {
      const v = cells[k];
      if (v === null || v === undefined || !domain) continue;
      const c = Math.round(colourPosition(v, domain, this.log) * (LUT_SIZE - 1)) * 3;
      data.data[4 * k] = this.lut[c]!;
      data.data[4 * k + 1] = this.lut[c + 1]!;
      data.data[4 * k + 2] = this.lut[c + 2]!;
      data.data[4 * k + 3] = 255;
    }
    g.putImageData(data, 0, 0);
    this.grid = grid;
    const { w, h: ih } = this.size;
    const canvas = this.canvas;
    canvas.width = LEFT + w + 12;
    canvas.height = TOP + ih + AXIS + STRIP + LEGEND;
    canvas.setAttribute('aria-label', `|W| image of ${this.sliceLabel(this.slice)}: ${this.pooling} |w| per cell, ${this.log ? 'log' : 'linear'} colour`);
    const ctx = canvas.getContext('2d')!;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(grid, LEFT, TOP, w, ih);
    ctx.font = `${Math.max(10, this.theme.fontSize - 2)}px ${this.theme.fontFamily}`;
    ctx.fillStyle = this.theme.foreground;
    ctx.strokeStyle = this.theme.muted;
    // Row axis on the left, column axis below, in tensor indices.
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of axisTicks(image.rows, ih)) ctx.fillText(String(t.index), LEFT - 4, TOP + t.at);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of axisTicks(image.cols, w)) ctx.fillText(String(t.index), LEFT + t.at, TOP + ih + 3);
    ctx.textAlign = 'left';
    ctx.fillText('column →', LEFT + w - 60, TOP + ih + 16);
    ctx.save();
    ctx.translate(10, TOP + ih / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('row', 0, 0);
    ctx.restore();
    this.drawStrip(ctx, TOP + ih + AXIS);
    this.drawLegend(ctx, TOP + ih + AXIS + STRIP, domain);
  }

  /** Bars of the entries with |w| > 6σ per column cell, aligned with the image's columns. */
  private drawStrip(ctx: CanvasRenderingContext2D, y: number): void {
    const counts = this.image.outliersPerColumnCell;
    const top = Math.max(...counts, 0);
    const { w } = this.size;
    ctx.fillStyle = this.theme.muted;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText('>6σ', LEFT - 4, y + STRIP / 2 - 2);
    ctx.strokeRect(LEFT - 0.5, y - 0.5, w + 1, STRIP - 6);
    if (top === 0) return;
    ctx.fillStyle = this.theme.accent;
    const barH = STRIP - 8;
    counts.forEach((c, k) => {
      if (c === 0) return;
      const hgt = Math.max(1, (c / top) * barH);
      ctx.fillRect(LEFT + k * this.cellPx, y + barH - hgt, Math.max(1, this.cellPx), hgt);
    });
  }

  private drawLegend(ctx: CanvasRenderingContext2D, y: number, domain: [number, number] | null): void {
    const width = 160;
    for (let i = 0; i < width; i++) {
      const c = Math.round((i / (width - 1)) * (LUT_SIZE - 1)) * 3;
      ctx.fillStyle = `rgb(${this.lut[c]}, ${this.lut[c + 1]}, ${this.lut[c + 2]})`;
      ctx.fillRect(LEFT + i, y + 4, 1, 10);
    }
    ctx.fillStyle = this.theme.foreground;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.fillText(domain ? formatValue(domain[0]) : '–', LEFT - 4, y + 9);
    ctx.textAlign = 'left';
    ctx.fillText(`${domain ? formatValue(domain[1]) : '–'}  ${this.pooling} |w|${this.log ? ', log' : ''}`, LEFT + width + 4, y + 9);
  }

  private hover(px: number, py: number): void {
    if (!this.grid) return;
    const { image } = this;
    const { w, h: ih } = this.size;
    const stripY = TOP + ih + AXIS;
    // Over the outlier strip: that column cell's count.
    if (py >= stripY && py < stripY + STRIP && px >= LEFT && px < LEFT + w) {
      const col = Math.floor((px - LEFT) / this.cellPx);
      const [c0, c1] = cellRange(col, image.cols, image.gridCols);
      this.readout.textContent = `columns ${c0 === c1 ? c0 : `${c0}–${c1}`} · ${formatCount(image.outliersPerColumnCell[col] ?? 0)} entries with |w| > 6σ = ${formatValue(image.outlierThreshold)}`;
      return;
    }
    const cell = cellAtPoint(image, px - LEFT, py - TOP, w, ih);
    if (cell) this.cursor = cell;
    this.outline(cell);
  }

  /** Arrow keys move the outlined cell (Shift: by 16 cells), Home/End go to the row's ends. */
  private key(e: KeyboardEvent): void {
    const { gridRows, gridCols } = this.image;
    const step = e.shiftKey ? 16 : 1;
    let { row, col } = this.cursor;
    if (e.key === 'ArrowUp') row -= step;
    else if (e.key === 'ArrowDown') row += step;
    else if (e.key === 'ArrowLeft') col -= step;
    else if (e.key === 'ArrowRight') col += step;
    else if (e.key === 'Home') col = 0;
    else if (e.key === 'End') col = gridCols - 1;
    else return;
    e.preventDefault();
    this.cursor = { row: Math.max(0, Math.min(gridRows - 1, row)), col: Math.max(0, Math.min(gridCols - 1, col)) };
    this.outline(this.cursor);
  }

  /** Redraws the image with `cell` outlined and read out (nothing outlined for null). */
  private outline(cell: { row: number; col: number } | null): void {
    if (!this.grid) return;
    const { image } = this;
    const { w, h: ih } = this.size;
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(LEFT - 1, TOP - 1, w + 2, ih + 2);
    ctx.drawImage(this.grid, LEFT, TOP, w, ih);
    if (!cell) return;
    ctx.strokeStyle = this.theme.foreground;
    ctx.lineWidth = 1;
    ctx.strokeRect(LEFT + cell.col * this.cellPx - 0.5, TOP + cell.row * this.cellPx - 0.5, this.cellPx + 1, this.cellPx + 1);
    this.readout.textContent = cellReadout(image, this.slice, cell.row, cell.col, this.pooling, this.sliceLabel(this.slice));
  }
}
