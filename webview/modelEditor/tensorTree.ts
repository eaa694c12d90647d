/**
 * The tensor tree: one collapsible group per layer (plus embeddings/head/other), each row a tensor
 * with name, shape, dtype and size; a filter box narrows rows by substring (or several words, all
 * of which must match). Rows of a closed group are built only when it opens, so an 8B model's
 * few thousand tensors cost nothing until looked at.
 */
import { formatBytes, formatCount, h } from '../common/dom';
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

/** Each row's search text, built once: a DeepSeek-V3-sized model has ~90k rows to filter per keystroke. */
const HAY = new WeakMap<TensorRow, string>();

function matches(row: TensorRow, words: string[]): boolean {
  let hay = HAY.get(row);
  if (hay === undefined) HAY.set(row, (hay = `${row.name} ${row.dtype} ${row.role ?? ''} ${row.shape.join('x')}`.toLowerCase()));
  return words.every((w) => hay.includes(w));
}

export function renderTensorTree(groups: TensorGroup[], state: TreeState, onSelect: (name: string) => void, onState: (s: TreeState) => void): TensorTree {
  const open = new Set(state.open);
  let selected = state.selected;
  let words: string[] = [];
  const rowsByName = new Map<string, HTMLElement>();

  const filterBox = h('vscode-text-field', {
    class: 'me-filter',
    placeholder: 'Filter tensors (e.g. "layers.3 q_proj", "bf16", "down")',
    value: state.filter,
  }) as HTMLElement & { value: string };
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

  function groupElement(g: TensorGroup, visible: TensorRow[]): HTMLElement {
    const details = h('details', { class: 'me-group', 'data-group': g.key }) as HTMLDetailsElement;
    const filtering = words.length > 0;
    details.open = filtering || open.has(g.key);
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
      const body = h('tbody', {}, ...visible.map(row));
      details.append(h('table', { class: 'll-table me-tensors' }, body));
    };
    if (details.open) fill();
    details.addEventListener('toggle', () => {
      if (details.open) {
        fill();
        open.add(g.key);
      } else open.delete(g.key);
      if (!filtering) save();
    });
    return details;
  }

  function draw(): void {
    rowsByName.clear();
    words = (filterBox.value ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    let total = 0;
    const parts: HTMLElement[] = [];
    for (const g of groups) {
      const visible = words.length ? g.tensors.filter((t) => matches(t, words)) : g.tensors;
      total += g.tensors.length;
      shown += visible.length;
      if (visible.length) parts.push(groupElement(g, visible));
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
