// Folding a many-expert model's diff heatmap columns (webview/diff/expertFold.ts): each kind's
// routed experts become one column holding the maximum over the layer's experts (checked against
// Math.max of the very cells), naming the expert that holds it; attention and shared experts keep
// their columns; NaN/Inf-flagged experts are left out of the maximum, and a column of only
// flagged experts stays hatched. Columns are folded only past FOLD_COLUMNS.
import test from 'node:test';
import assert from 'node:assert/strict';
import { expertOfFolded, FOLD_COLUMNS, foldExperts, routedBase, shouldFold, type FoldedCell } from '../../../../webview/diff/expertFold';
import type { Cell } from '../../../../webview/diff/metrics';
import { kindColumns } from '../../../../webview/diff/plots';

function moeCells(layers: number, experts: number, seed = 1): Cell[] {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const out: Cell[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (const kind of ['q', 'o']) out.push({ layer, kind, value: rnd() });
    for (const kind of ['gate', 'up', 'down']) {
      out.push({ layer, kind: `${kind} shared`, value: rnd() });
      for (let e = 0; e < experts; e++) out.push({ layer, kind: `${kind} e${e}`, value: rnd() });
    }
  }
  return out;
}

test('routedBase reads a routed expert column only', () => {
  assert.equal(routedBase('up e17'), 'up');
  assert.equal(routedBase('gate e0'), 'gate');
  assert.equal(routedBase('up shared'), undefined);
  assert.equal(routedBase('q'), undefined);
  assert.equal(routedBase('up experts'), undefined);
});

test('folded value = the maximum over the layer’s experts, naming the expert; other columns unchanged', () => {
  const cells = moeCells(3, 256);
  const folded = foldExperts(cells);
  assert.deepEqual(kindColumns(folded.map((c) => c.kind)), ['q', 'o', 'gate shared', 'gate experts', 'up shared', 'up experts', 'down shared', 'down experts']);
  for (let layer = 0; layer < 3; layer++)
    for (const kind of ['gate', 'up', 'down']) {
      const experts = cells.filter((c) => c.layer === layer && c.kind.startsWith(`${kind} e`));
      assert.equal(experts.length, 256);
      const max = Math.max(...experts.map((c) => c.value as number));
      const holder = experts.find((c) => c.value === max)!;
      const f = folded.find((c) => c.layer === layer && c.kind === `${kind} experts`) as FoldedCell;
      assert.equal(f.value, max);
      assert.equal(f.experts, 256);
      assert.equal(f.argmax, holder.kind);
      assert.match(f.note ?? '', new RegExp(`^max over 256 experts: ${holder.kind}$`));
      assert.equal(expertOfFolded(folded, layer, `${kind} experts`), holder.kind);
    }
  for (const c of cells.filter((x) => !/ e\d+$/.test(x.kind))) assert.ok(folded.includes(c), `${c.kind} passes through`);
});

test('NaN/Inf-flagged experts are left out of the maximum; a column of only flagged experts stays hatched', () => {
  const cells: Cell[] = [
    { layer: 0, kind: 'up e0', value: 0.2 },
    { layer: 0, kind: 'up e1', value: null, flagged: true, note: 'up e1: 3 NaN' },
    { layer: 0, kind: 'up e2', value: 0.9 },
    { layer: 1, kind: 'up e0', value: null, flagged: true, note: 'up e0: 1 Inf' },
    { layer: 1, kind: 'up e1', value: null, flagged: true, note: 'up e1: 2 NaN' },
    { layer: 2, kind: 'up e0', value: null },
  ];
  const [a, b, c] = foldExperts(cells) as FoldedCell[];
  assert.deepEqual([a!.value, a!.argmax, a!.flagged], [0.9, 'up e2', undefined]);
  assert.match(a!.note!, /1 not computable/);
  assert.deepEqual([b!.value, b!.flagged], [null, true]);
  assert.match(b!.note!, /up e0: 1 Inf; up e1: 2 NaN/);
  assert.deepEqual([c!.value, c!.flagged, c!.argmax], [null, undefined, undefined]);
});

test('folding starts past FOLD_COLUMNS columns: Mixtral’s 8 experts stay one column each', () => {
  assert.equal(shouldFold(moeCells(2, 8)), 2 + 3 * 9 > FOLD_COLUMNS);
  assert.equal(shouldFold(moeCells(2, 8)), false);
  assert.equal(shouldFold(moeCells(2, 256)), true);
});
