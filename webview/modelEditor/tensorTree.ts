/**
 * The tensor tree: one collapsible group per layer (plus embeddings/head/other), each row a tensor
 * with name, shape, dtype and size; a filter box narrows rows by substring (or several words, all
 * of which must match). Rows of a closed group are built only when it opens, so an 8B model's
 * few thousand tensors cost nothing until looked at; an open group draws its rows a page at a time
 * ("Show more"), and a filter opens matching groups only until a page's worth of rows is drawn, so a
 * DeepSeek-V3-sized model (~92k tensors, ~1,500 in a layer) stays responsive whatever is typed.
 */
import { formatBytes, formatCount, h } from '../common/dom';
import { button, textField } from '../common/toolkit';
import type { TensorGroup, TensorRow } from './viewModel';

export interface TreeState {
  filter: string;
  open: string[];
  selected?: string;
}

export interface TensorTree {
  element: HTMLElement;
  select(name: string | undefined): void;
}

/** Rows drawn at once in a group; "Show more" draws the next page. */
export const ROW_PAGE = 200;
/** A filter opens matching groups, in order, until this many rows are drawn; the rest stay closed (with their match counts). */
export const FILTER_OPEN_ROWS = 200;

/** Each row's search text, built once: a DeepSeek-V3-sized model has ~90k rows to filter per keystroke. */
const HAY = new WeakMap<TensorRow, string>();

function hayOf(row: TensorRow): string {
  let hay = HAY.get(row);
  if (hay === undefined) HAY.set(row, (hay = `${row.name} ${row.dtype} ${row.role ?? ''} ${row.shape.join('x')}`.toLowerCase()));
  return hay;
}

function matches(row: TensorRow, words: string[]): boolean {
  const hay = hayOf(row);
  return words.every((w) => hay.includes(w));
}

/** Builds the search texts in idle time after the first render, a few thousand rows a slice, so the first keystroke does not pay for them. */
function prepareSearch(groups: TensorGroup[]): void {
  const rows = groups.flatMap((g) => g.tensors);
  let i = 0;
  const slice = () => {
    const end = Math.min(rows.length, i + 4096);
    for (; i < end; i++) hayOf(rows[i]);
    if (i < rows.length) setTimeout(slice, 0);
  };
  setTimeout(slice, 0);
}

export function renderTensorTree(groups: TensorGroup[], state: TreeState, onSelect: (name: string) => void, onState: (s: TreeState) => void): TensorTree {
  const open = new Set(state.open);
  let selected = state.selected;
  let words: string[] = [];
  const rowsByName = new Map<string, HTMLElement>();

  const filterBox = textField({
    class: 'me-filter',
    testid: 'tree-filter',
    label: 'Filter tensors',
    placeholder: 'Filter tensors (e.g. "layers.3 q_proj", "bf16", "down")',
    value: state.filter,
  });
  const count = h('span', { class: 'll-muted me-filter-count' });
  const list = h('div', { class: 'me-groups', role: 'tree' });

  function save(): void {
    onState({ filter: filterBox.value ?? '', open: [...open], selected });
  }

  function row(t: TensorRow): HTMLElement {
    const tr = h(
      'tr',
      {
        class: `me-row${t.name === selected ? ' me-selected' : ''}`,
        tabindex: 0,
        role: 'treeitem',
        'aria-selected': t.name === selected ? 'true' : 'false',
        'data-tensor': t.name,
        onclick: () => onSelect(t.name),
        onkeydown: ((e: KeyboardEvent) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            onSelect(t.name);
          }
        }) as EventListener,
      },
      h('td', { class: 'll-mono me-name', title: t.name }, t.name),
      h('td', { class: 'll-muted' }, t.role ?? ''),
      h('td', { class: 'll-mono' }, `[${t.shape.join(', ')}]`),
      h(
        'td',
        { class: 'll-mono', title: t.decodable === false ? 'listed, but its values cannot be decoded' : undefined },
        t.decodable === false ? `${t.dtype} (not decodable)` : t.dtype,
      ),
      h('td', { class: 'll-num' }, formatBytes(t.bytes)),
    );
    rowsByName.set(t.name, tr);
    return tr;
  }

  function groupElement(g: TensorGroup, visible: TensorRow[], autoOpen: boolean): HTMLElement {
    const details = h('details', { class: 'me-group', 'data-group': g.key }) as HTMLDetailsElement;
    const filtering = words.length > 0;
    details.open = filtering ? autoOpen : open.has(g.key);
    const summary = h(
      'summary',
      {},
      h('span', { class: 'me-group-title' }, g.title),
      h(
        'span',
        { class: 'll-muted' },
        ` · ${filtering ? `${visible.length} of ${g.tensors.length}` : g.tensors.length} tensors · ${formatCount(g.params)} params · ${formatBytes(g.bytes)}`,
      ),
    );
    details.append(summary);
    const fill = () => {
      if (details.querySelector('table')) return;
      const body = h('tbody', {});
      details.append(h('table', { class: 'll-table me-tensors' }, body));
      let drawn = 0;
      const more = button({ appearance: 'secondary', class: 'me-more', testid: 'tree-show-more' });
      const page = () => {
        const next = visible.slice(drawn, drawn + ROW_PAGE);
        body.append(...next.map(row));
        drawn += next.length;
        const left = visible.length - drawn;
        if (left > 0) more.textContent = `Show ${Math.min(ROW_PAGE, left)} more (${left} not shown)`;
        else more.remove();
      };
      more.addEventListener('click', page);
      page();
      // The selected tensor's row is drawn even when it lies beyond the first page.
      const at = selected === undefined ? -1 : visible.findIndex((t) => t.name === selected);
      while (at >= drawn) page();
      if (drawn < visible.length) details.append(more);
    };
    if (details.open) fill();
    details.addEventListener('toggle', () => {
      if (details.open) fill();
      // Groups opened by a filter (or by hand while filtering) are not the user's saved layout:
      // clearing the filter returns to the groups opened without one.
      if (filtering) return;
      if (details.open) open.add(g.key);
      else open.delete(g.key);
      save();
    });
    return details;
  }

  function draw(): void {
    rowsByName.clear();
    words = (filterBox.value ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    let total = 0;
    const parts: HTMLElement[] = [];
    let drawnByFilter = 0;
    for (const g of groups) {
      const visible = words.length ? g.tensors.filter((t) => matches(t, words)) : g.tensors;
      total += g.tensors.length;
      shown += visible.length;
      if (!visible.length) continue;
      const autoOpen = words.length > 0 && drawnByFilter < FILTER_OPEN_ROWS;
      if (autoOpen) drawnByFilter += Math.min(ROW_PAGE, visible.length);
      parts.push(groupElement(g, visible, autoOpen));
    }
    list.replaceChildren(...parts);
    count.textContent = words.length ? `${shown} of ${total} tensors match` : '';
    if (words.length && shown === 0) list.append(h('p', { class: 'll-muted' }, 'No tensor matches the filter.'));
  }

  let debounce: ReturnType<typeof setTimeout> | undefined;
  filterBox.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      draw();
      save();
    }, 120);
  });
  draw();
  prepareSearch(groups);

  return {
    element: h('section', { class: 'me-tree' }, h('h2', {}, 'Tensors'), h('div', { class: 'me-filter-row' }, filterBox, count), list),
    select(name) {
      if (selected) {
        const prev = rowsByName.get(selected);
        prev?.classList.remove('me-selected');
        prev?.setAttribute('aria-selected', 'false');
      }
      selected = name;
      if (name) {
        const r = rowsByName.get(name);
        r?.classList.add('me-selected');
        r?.setAttribute('aria-selected', 'true');
      }
      save();
    },
  };
}
