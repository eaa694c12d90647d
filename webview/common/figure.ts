/**
 * Every plot of a panel as a figure: a <figure> holding the plot, a one-sentence <figcaption> that
 * says what is drawn, a "Show as table" toggle that swaps the plot for an HTML table of its data
 * (figureTable.ts: the panel's own, or read from the plot's marks), an export menu (⤓) for this
 * figure alone (SVG, PNG; its table as CSV, copied or saved to a file) and, for heatmaps, the keyboard (figureKeys.ts) with
 * an aria-live region. The choice between plot and table survives re-draws of the same container.
 */
import * as Plot from '@observablehq/plot';
import { cellMarks } from './cellGrid';
import { h } from './dom';
import { exportImage, exportSvg, sideBySideSvg } from './export';
import { attachCellKeys, scaleLabelOf } from './figureKeys';
import { formatTableValue, tableFromMarks, tableToCsv, type FigureTable } from './figureTable';
import type { GridPos } from './gridKeys';
import type { Theme } from './theme';
import { hostChannel } from './vscodeApi';

export interface FigureOptions {
  /** One sentence saying what is drawn (axes, colour, marks). */
  caption?: string;
  /** The data shown by "Show as table" and exported as CSV; default: read from the plot's marks. */
  table?: FigureTable;
  /** File name stem of this figure's exports (default: "figure"). */
  name?: string;
  /** false: the panel wires its own keyboard to this heatmap (spectra), so the generic one stays off. */
  keys?: boolean;
}

interface ContainerState {
  showTable: boolean;
  keys: { pos?: GridPos };
}

const stateOf = new WeakMap<Element, ContainerState>();

function containerState(container: Element): ContainerState {
  let s = stateOf.get(container);
  if (!s) stateOf.set(container, (s = { showTable: false, keys: {} }));
  return s;
}

/** The HTML table of a figure's data: a caption, column headers with scope, numbers to 4 significant digits. */
export function tableElement(table: FigureTable, caption: string): HTMLElement {
  const head = h('tr', {}, ...table.columns.map((c) => h('th', { scope: 'col' }, c)));
  const body = table.rows.map((r) => h('tr', {}, ...r.map((v) => h('td', { class: typeof v === 'number' ? 'll-num' : undefined }, formatTableValue(v)))));
  return h(
    'div',
    { class: 'll-figure-table' },
    h('table', {}, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, ...body)),
    table.omitted > 0
      ? h(
          'p',
          { class: 'll-figure-note' },
          `The first ${table.rows.length.toLocaleString('en-US')} rows of ${(table.rows.length + table.omitted).toLocaleString('en-US')}.`,
        )
      : table.rows.length === 0
        ? h('p', { class: 'll-figure-note' }, 'This figure draws no tabular data.')
        : null,
  );
}

type ExportPost = { type: 'exportImage'; format: 'png' | 'svg'; data: string; name: string } | { type: 'exportTable'; csv: string; name: string };

let channel: ReturnType<typeof hostChannel<unknown, ExportPost>> | undefined;
function post(message: ExportPost): void {
  channel ??= hostChannel<unknown, ExportPost>();
  channel.post(message);
}

/** The ⤓ menu of one figure (or of a group: `image` makes what the images hold; no table, no CSV). */
export function exportMenu(
  image: (format: 'png' | 'svg') => Promise<string>,
  table: (() => FigureTable) | undefined,
  name: string,
  label: string,
): HTMLElement {
  const status = h('span', { class: 'll-figure-status', role: 'status' });
  const say = (text: string) => (status.textContent = text);
  const save = (format: 'png' | 'svg') => async () => {
    try {
      post({ type: 'exportImage', format, data: await image(format), name });
      say('');
    } catch (err) {
      say(`Export failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const saveCsv = async () => {
    try {
      // The host asks where to save it, as for an image (src/protocol/panel.ts exportTable).
      if (!table) throw new Error('this group of figures has no single table');
      post({ type: 'exportTable', csv: tableToCsv(table()), name });
      say('');
    } catch (err) {
      say(`Export failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const csv = async () => {
    try {
      // The clipboard: ready to paste into a sheet.
      if (!table) throw new Error('this group of figures has no single table');
      await navigator.clipboard.writeText(tableToCsv(table()));
      say('CSV copied');
    } catch (err) {
      say(`Copy failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const item = (text: string, format: string, run: () => Promise<void>) =>
    // native control: a menu item of the figure's ⤓ menu (a <details> disclosure), not a toolbar button
    h('button', { type: 'button', role: 'menuitem', class: 'll-figure-menu-item', 'data-format': format, onclick: () => void run() }, text);
  return h(
    'details',
    { class: 'll-figure-export' },
    h('summary', { title: `Export ${label}`, 'aria-label': `Export ${label}` }, '⤓'),
    h(
      'div',
      { class: 'll-figure-menu', role: 'menu' },
      item('SVG', 'svg', save('svg')),
      item('PNG', 'png', save('png')),
      table ? item('Copy CSV', 'csv', csv) : null,
      table ? item('Save CSV…', 'csv-file', saveCsv) : null,
    ),
    status,
  );
}

/**
 * Puts `plot` (as Plot returned it for `options`) into `container` as a figure, replacing what was
 * there. Returns the figure element.
 */
export function placeFigure(container: Element, plot: Element, options: Plot.PlotOptions, theme: Theme, fig: FigureOptions = {}): HTMLElement {
  const state = containerState(container);
  const caption = fig.caption ?? '';
  let table: FigureTable | undefined = fig.table;
  const getTable = () => (table ??= tableFromMarks(options.marks as unknown[] | undefined));
  const plotBox = h('div', { class: 'll-figure-plot' });
  plotBox.appendChild(plot);
  const tableBox = h('div', { class: 'll-figure-table-box', hidden: true });
  // native control: plot.ts, and so this module, stays importable without a DOM (view-model tests); the toolkit's button loads FAST, which needs one
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'll-figure-toggle',
      'data-testid': 'figure-table-toggle',
      'aria-label': 'Show this figure as a table',
      title: 'Show this figure as a table',
    },
    'Show as table',
  );
  toggle.setAttribute('aria-pressed', 'false');
  const show = (asTable: boolean) => {
    state.showTable = asTable;
    if (asTable && !tableBox.firstChild) tableBox.appendChild(tableElement(getTable(), caption || 'Data of this figure'));
    tableBox.hidden = !asTable;
    plotBox.hidden = asTable;
    toggle.textContent = asTable ? 'Show as plot' : 'Show as table';
    toggle.setAttribute('aria-label', asTable ? 'Show this figure as a plot' : 'Show this figure as a table');
    toggle.setAttribute('aria-pressed', String(asTable));
  };
  toggle.addEventListener('click', () => show(!state.showTable));
  const live = h('div', { class: 'll-sr-only', 'aria-live': 'polite' });
  const figure = h(
    'figure',
    { class: 'll-figure', 'data-testid': 'figure' },
    h(
      'div',
      { class: 'll-figure-tools' },
      toggle,
      exportMenu((format) => exportImage(plot, format, theme), getTable, fig.name ?? 'figure', 'this figure'),
    ),
    plotBox,
    tableBox,
    caption ? h('figcaption', {}, caption) : null,
    live,
  );
  // A heatmap being read with the keyboard keeps the focus through a re-draw (a new partial result).
  const hadKeys = document.activeElement?.getAttribute('role') === 'grid' && container.contains(document.activeElement);
  container.replaceChildren(figure);
  if (state.showTable) show(true);
  if (fig.keys !== false) {
    const marks = cellMarks(options.marks as unknown[] | undefined, (m) => m instanceof Plot.Cell);
    const grid = marks.length
      ? attachCellKeys({
          plot,
          marks,
          live,
          state: state.keys,
          label: caption || 'Heatmap',
          theme,
          axisLabels: { x: scaleLabelOf(options, 'x'), y: scaleLabelOf(options, 'y') },
          colorLabel: scaleLabelOf(options, 'color'),
        })
      : undefined;
    if (grid && hadKeys) grid.focus({ preventScroll: true });
  }
  return figure;
}

/**
 * One export for a row of figures laid out side by side (the diff panel's A | Δ | B): a ⤓ menu just
 * before `group` whose SVG/PNG holds every column's plot in one image, each under its
 * column's heading, in the row's order. Call once when the row is built; the plots inside may be
 * re-drawn at will.
 */
export function attachGroupExport(group: HTMLElement, theme: () => Theme | undefined, name: string, label = 'these figures side by side'): void {
  const parts = () =>
    Array.from(group.children)
      .filter((c) => c.querySelector('svg'))
      .map((c) => ({ title: c.querySelector('h1, h2, h3, h4')?.textContent ?? '', el: c.querySelector('.ll-figure-plot') ?? c }));
  const image = async (format: 'png' | 'svg') => {
    const t = theme();
    const svg = t ? sideBySideSvg(parts(), t) : undefined;
    if (!t || !svg) throw new Error('there is no plot to export yet');
    return exportSvg(svg, format, t);
  };
  group.before(h('div', { class: 'll-figure-tools ll-figure-group-tools' }, exportMenu(image, undefined, name, label)));
}
