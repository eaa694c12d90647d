/** The top of the model editor: architecture, config highlights, quantization, parameter counts by dtype and role. */
import { formatBytes, formatCount, formatPercent, h } from '../common/dom';
import { quantSchemeFacts } from '../../src/analysis/model/quantScheme';
import { renderExperts } from './experts';
import { renderMemory } from './memory';
import type { CountRow, EditorModel } from './viewModel';

function countTable(title: string, rows: CountRow[], total: number, withBytes: boolean): HTMLElement {
  const table = h(
    'table',
    { class: 'll-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, title),
        h('th', { class: 'll-num' }, 'parameters'),
        h('th', { class: 'll-num' }, 'share'),
        withBytes ? h('th', { class: 'll-num' }, 'size') : null,
        h('th', {}),
      ),
    ),
  );
  const body = h('tbody');
  for (const r of rows) {
    const share = total > 0 ? r.params / total : 0;
    const bar = h('span', { class: 'me-bar' });
    // CSSOM writes are allowed by the CSP (style attributes are not).
    bar.style.width = `${Math.max(1, Math.round(share * 120))}px`;
    body.append(
      h(
        'tr',
        {},
        h('td', { class: 'll-mono' }, r.label),
        h('td', { class: 'll-num', title: r.params.toLocaleString('en-US') }, formatCount(r.params)),
        h('td', { class: 'll-num' }, formatPercent(share)),
        withBytes ? h('td', { class: 'll-num' }, r.bytes === undefined ? '–' : formatBytes(r.bytes)) : null,
        h('td', {}, bar),
      ),
    );
  }
  table.append(body);
  return table;
}

export function renderOverview(model: EditorModel, name: string): HTMLElement {
  const facts = [
    `${formatCount(model.totalParams)} parameters`,
    formatBytes(model.totalBytes),
    `${model.tensorCount} tensors`,
    model.layerCount ? `${model.layerCount} layers` : null,
    model.fileCount > 1 ? `${model.fileCount} files` : null,
  ].filter((f): f is string => f !== null);
  const header = h(
    'header',
    { class: 'me-header' },
    h('h1', {}, name),
    h(
      'div',
      { class: 'me-arch' },
      h('span', { class: 'll-badge me-arch-name' }, model.architecture),
      model.label && model.label !== model.architecture ? h('span', { class: 'll-muted' }, model.label) : null,
    ),
    h('div', { class: 'me-facts' }, ...facts.map((f) => h('span', { class: 'll-badge' }, f))),
  );
  const config = model.config.length
    ? h(
        'section',
        { class: 'me-config' },
        h('h2', {}, 'Configuration'),
        h('dl', { class: 'me-kv' }, ...model.config.flatMap(([k, v]) => [h('dt', { class: 'll-mono' }, k), h('dd', { class: 'll-mono' }, v)])),
        model.rawConfig
          ? h('details', {}, h('summary', {}, 'All of config.json'), h('pre', { class: 'll-mono me-raw' }, JSON.stringify(model.rawConfig, null, 2)))
          : null,
      )
    : h(
        'section',
        { class: 'me-config' },
        h('h2', {}, 'Configuration'),
        h('p', { class: 'll-muted' }, 'No config.json next to this file: layers and roles are guessed from tensor names.'),
      );
  // How the checkpoint is quantized: a card beside the configuration, its weights' storage labels included.
  const quant = model.quantization
    ? h(
        'section',
        { class: 'me-config me-quant' },
        h('h2', {}, 'Quantization'),
        h('dl', { class: 'me-kv' }, ...quantSchemeFacts(model.quantization).flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: 'll-mono' }, v)])),
      )
    : null;
  const counts = h(
    'section',
    { class: 'me-counts' },
    h('h2', {}, 'Parameters'),
    h(
      'div',
      { class: 'me-count-tables' },
      countTable('dtype', model.byDtype, model.totalParams, true),
      countTable('role', model.byRole, model.totalParams, false),
    ),
  );
  const notes = model.notes.length ? h('ul', { class: 'me-notes' }, ...model.notes.map((n) => h('li', {}, n))) : null;
  return h('div', { class: 'me-overview' }, header, notes, h('div', { class: 'me-top' }, config, quant, counts, renderMemory(model)), renderExperts(model));
}
