// The view state of a panel: stored choices come back where their type matches the default's,
// every change is saved at once (and merged with the rest of the webview state), and the page's
// restore id is kept in the state without the panel code seeing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptStateOver, viewStateOver } from '../../../../webview/common/viewState';
import { mergeViewState, withoutRestore, withRestore, withView } from '../../../../webview/common/webviewState';

/** A webview state store as vscodeApi.ts presents it to the panel (restore id hidden). */
function store(initial?: unknown) {
  let raw: unknown = withRestore(initial, 'rid');
  return {
    get: () => withoutRestore(raw),
    set: (s: unknown) => {
      raw = withRestore(s, 'rid');
    },
    raw: () => raw,
  };
}

test('stored choices are kept only where they have the type of the default', () => {
  const defaults = { metric: 'meanP', dim: 1, ratio: 0.9, show: true, selection: undefined as { layer: number } | undefined, kinds: ['q'] };
  assert.deepEqual(mergeViewState(defaults, undefined), defaults);
  assert.deepEqual(mergeViewState(defaults, 'junk'), defaults);
  assert.deepEqual(mergeViewState(defaults, { metric: 'alpha', dim: 2, ratio: 0.5, show: false, selection: { layer: 3 }, kinds: ['k', 'v'] }), {
    metric: 'alpha',
    dim: 2,
    ratio: 0.5,
    show: false,
    selection: { layer: 3 },
    kinds: ['k', 'v'],
  });
  // Wrong types, non-finite numbers and unknown keys are dropped.
  assert.deepEqual(mergeViewState(defaults, { metric: 7, dim: '2', ratio: null, show: 'yes', kinds: 'q', extra: 1 }), defaults);
  assert.equal(mergeViewState({ dim: 1 }, { dim: Infinity }).dim, 1);
  assert.equal(mergeViewState({ dim: 1 }, { dim: NaN }).dim, 1);
});

test('the restore id is kept beside the panel state, out of its sight', () => {
  assert.deepEqual(withRestore(undefined, 'r1'), { restore: 'r1' });
  assert.deepEqual(withRestore({ filter: 'q', open: [] }, 'r1'), { filter: 'q', open: [], restore: 'r1' });
  assert.deepEqual(withRestore({ a: 1 }, undefined), { a: 1 });
  assert.equal(withoutRestore({ restore: 'r1' }), undefined);
  assert.deepEqual(withoutRestore({ restore: 'r1', filter: 'q' }), { filter: 'q' });
  assert.deepEqual(withoutRestore({ filter: 'q' }), { filter: 'q' });
  assert.deepEqual(withView({ restore: 'r1', other: 2 }, { dim: 3 }), { restore: 'r1', other: 2, view: { dim: 3 } });
});

test('view state: restored from the store, every change saved with the rest of the state kept', () => {
  const s = store({ view: { dim: 2 }, other: 'x' });
  const view = viewStateOver(s, { dim: 1, ratio: 0.9 });
  assert.deepEqual(view.get(), { dim: 2, ratio: 0.9 });
  view.set({ ratio: 0.7 });
  assert.deepEqual(s.raw(), { view: { dim: 2, ratio: 0.7 }, other: 'x', restore: 'rid' });
  // A re-created webview reads what was saved.
  assert.deepEqual(viewStateOver(s, { dim: 1, ratio: 0.9 }).get(), { dim: 2, ratio: 0.7 });
});

test('kept state: an assignment to a field is saved at once and survives a re-created page', () => {
  const s = store();
  const state = keptStateOver<{ index: string; threshold?: number; selected?: { a: number; b: number } }>(s, {
    index: 'docs',
    threshold: undefined,
    selected: undefined,
  });
  assert.equal(state.index, 'docs');
  state.index = 'cka';
  state.selected = { a: 1, b: 4 };
  state.threshold = 0.25;
  const again = keptStateOver<{ index: string; threshold?: number; selected?: { a: number; b: number } }>(s, {
    index: 'docs',
    threshold: undefined,
    selected: undefined,
  });
  assert.deepEqual({ ...again }, { index: 'cka', threshold: 0.25, selected: { a: 1, b: 4 } });
  state.selected = undefined;
  assert.equal(keptStateOver(s, { index: 'docs', selected: undefined as unknown }).selected, undefined);
  assert.equal((s.raw() as { restore: string }).restore, 'rid');
});
