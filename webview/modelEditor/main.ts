/**
 * The model editor's webview: overview (architecture, config, parameter counts), tensor tree with
 * filter, and the selected tensor's statistics. Talks to src/extension/editor/modelView.ts with
 * the messages of src/protocol/panel.ts; remembers filter, open groups and selection across reloads.
 */
import type { ModelEditorFromWebview, ModelEditorToWebview } from '../../src/protocol/panel';
import { h, replaceChildren } from '../common/dom';
import { onThemeChange, readTheme } from '../common/theme';
import { button, registerToolkit } from '../common/toolkit';
import { hostChannel } from '../common/vscodeApi';
import { renderOverview } from './overview';
import { StatsPane } from './statsPane';
import { DepthPane } from './depthPane';
import { statsModel } from './statsView';
import { renderTensorTree, type TensorTree, type TreeState } from './tensorTree';
import type { EditorModel, TensorRow } from './viewModel';

registerToolkit();
const host = hostChannel<ModelEditorToWebview, ModelEditorFromWebview, TreeState>();
const root = document.getElementById('root') ?? document.body;
const banner = h('div', { class: 'll-message', role: 'status', hidden: true });
let theme = readTheme();
let model: EditorModel | undefined;
let tensors = new Map<string, TensorRow>();
let tree: TensorTree | undefined;
let treeState: TreeState = host.getState() ?? { filter: '', open: [] };
let pendingTensor: string | undefined;

const stats = new StatsPane(
  {
    cancel: () => host.post({ type: 'cancelStats' }),
    exportImage: (format, data, name) => host.post({ type: 'exportImage', format, data, name }),
    exportStats: (format, tensor) => host.post({ type: 'exportStats', format, tensor }),
  },
  theme,
);

const depth = new DepthPane(
  {
    compute: () => {
      depth.computing();
      host.post({ type: 'depthStats' });
    },
    cancel: () => host.post({ type: 'cancelDepth' }),
  },
  theme,
);

function say(text: string, kind: 'info' | 'error' = 'info', action?: { label: string; run: () => void }): void {
  banner.hidden = !text;
  banner.className = `ll-message ll-${kind}`;
  replaceChildren(banner, text, action ? button({ appearance: 'secondary', class: 'me-banner-action', onClick: action.run }, action.label) : null);
}

function select(name: string): void {
  const row = tensors.get(name);
  if (!row) return;
  tree?.select(name);
  pendingTensor = name;
  stats.computing(row);
  host.post({ type: 'selectTensor', tensor: name });
}

function page(name: string, ...content: (Node | null)[]): void {
  document.title = name;
  root.replaceChildren(banner, ...content.filter((c): c is Node => c !== null));
}

function showModel(name: string, m: EditorModel): void {
  model = m;
  // A (re)loaded model: depth figures of the old bytes no longer apply.
  depth.idle();
  tensors = new Map(m.groups.flatMap((g) => g.tensors.map((t) => [t.name, t] as const)));
  tree = renderTensorTree(m.groups, treeState, select, (s) => {
    treeState = s;
    host.setState(s);
  });
  page(name, renderOverview(m, name), h('div', { class: 'me-main' }, tree.element, stats.element), depth.element);
  // After a reload, bring back the tensor that was selected.
  if (treeState.selected && tensors.has(treeState.selected)) select(treeState.selected);
  else stats.idle();
}

host.listen((msg) => {
  switch (msg.type) {
    case 'loading':
      say('');
      page(
        msg.name,
        h(
          'div',
          { class: 'me-loading' },
          h('span', { class: 'll-spinner', role: 'progressbar', 'aria-label': 'loading' }),
          h('span', {}, `Reading the header of ${msg.name}…`),
        ),
      );
      return;
    case 'untrusted':
      page(
        msg.name,
        h('h1', {}, msg.name),
        h(
          'p',
          {},
          'This workspace is in Restricted Mode. Layer Lens reads model files only in trusted workspaces: its worker parses the file and runs onnxruntime.',
        ),
        button({ onClick: () => host.post({ type: 'trust' }) }, 'Manage Workspace Trust'),
      );
      return;
    case 'failed':
      page(
        msg.name,
        h('h1', {}, msg.name),
        h(
          'div',
          { class: 'll-message ll-error me-failed' },
          h('strong', {}, msg.error.code === 'bad-input' ? 'This model cannot be read: ' : msg.error.code === 'not-found' ? 'Not found: ' : 'Error: '),
          msg.error.message,
        ),
        button({ appearance: 'secondary', onClick: () => host.post({ type: 'reload' }) }, 'Try again'),
      );
      return;
    case 'summary':
      say('');
      try {
        showModel(msg.name, msg.overview);
      } catch (err) {
        page(msg.name, h('div', { class: 'll-message ll-error' }, `The model summary could not be shown: ${err instanceof Error ? err.message : String(err)}`));
      }
      return;
    case 'statsProgress':
      if (msg.tensor === pendingTensor) stats.progress(msg.done, msg.total);
      return;
    case 'stats': {
      const row = tensors.get(msg.tensor);
      if (row && msg.tensor === (pendingTensor ?? msg.tensor)) stats.show(row, statsModel(msg.stats));
      return;
    }
    case 'statsFailed':
      if (msg.tensor === pendingTensor) stats.failed(tensors.get(msg.tensor), msg.error.message, msg.error.code === 'cancelled');
      return;
    case 'depthProgress':
      depth.progress(msg.done, msg.total, msg.message);
      return;
    case 'depth':
      depth.show(msg.stats);
      return;
    case 'depthFailed':
      depth.failed(msg.error.message, msg.error.code === 'cancelled');
      return;
    case 'changed':
      say('The model files changed on disk. The figures shown may be out of date.', 'info', { label: 'Reload', run: () => host.post({ type: 'reload' }) });
      return;
    case 'exported':
      say(`Saved ${msg.path}`);
      return;
    case 'exportFailed':
      say(`Export ${msg.format.toUpperCase()} failed: ${msg.message}`, 'error');
      return;
  }
});

onThemeChange((t) => {
  theme = t;
  if (model) stats.setTheme(t);
  depth.setTheme(t);
});
host.post({ type: 'ready' });
