/**
 * The model editor's experts section, for mixture-of-experts models: one row per MoE layer with its
 * routed expert count, one expert's gate/up/down shapes `[out, in]`, the shared expert, the router
 * and the parameters they hold (the same ModelOverview figures `layer-lens inspect` prints).
 */
import { formatCount, h } from '../common/dom';
import type { EditorModel } from './viewModel';

const shape = (s: [number, number] | undefined) => (s ? `[${s.join(', ')}]` : '–');

export function renderExperts(model: EditorModel): HTMLElement | null {
  const e = model.experts;
  if (!e) return null;
  const head = h(
    'tr',
    {},
    ...['layer', 'experts', 'expert gate · up · down', 'shared expert', 'router', 'tensors', 'parameters'].map((c, i) =>
      h('th', { class: i === 0 || i === 1 || i >= 5 ? 'll-num' : '' }, c),
    ),
  );
  const body = h(
    'tbody',
    {},
    ...e.rows.map((r) =>
      h(
        'tr',
        { 'data-layer': String(r.layer) },
        h('td', { class: 'll-num' }, String(r.layer)),
        h('td', { class: 'll-num' }, String(r.count)),
        h('td', { class: 'll-mono' }, `${shape(r.shapes.gate)} · ${shape(r.shapes.up)} · ${shape(r.shapes.down)}`),
        h(
          'td',
          { class: 'll-mono', title: r.sharedCount ? `${r.sharedCount} shared experts stored as one MLP` : '' },
          r.shared ? `${r.sharedCount ? `${r.sharedCount}× ` : ''}${shape(r.shared.gate)} · ${shape(r.shared.up)} · ${shape(r.shared.down)}` : '–',
        ),
        h('td', { class: 'll-mono', title: r.router?.tensor ?? '' }, shape(r.router?.shape)),
        h('td', { class: 'll-num' }, String(r.tensors)),
        h('td', { class: 'll-num', title: r.params.toLocaleString('en-US') }, formatCount(r.params)),
      ),
    ),
  );
  return h(
    'section',
    { class: 'me-experts' },
    h('h2', {}, 'Experts'),
    h(
      'p',
      { class: 'll-muted' },
      `${e.layers.length} of ${model.layerCount} layers are mixture-of-experts layers with ${e.count} routed experts each; the others have a dense MLP. Shapes are [out, in].`,
    ),
    h('table', { class: 'll-table' }, h('thead', {}, head), body),
  );
}
