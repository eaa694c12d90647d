/**
 * Zigzag barcodes of hand-built sequences whose barcodes are known by inspection, plus the
 * clique-complex builder. Position convention: K_ℓ is position 2ℓ, K_ℓ∩K_{ℓ+1} is 2ℓ+1; a bar
 * [b, d) lives at positions b..d-1. Layers: birth ⌈b/2⌉, death ⌈d/2⌉ (first layer without it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zigzagBarcode } from '../../../../src/analysis/tda/zigzag';
import { simplexCount, complexFromSimplices } from '../../../../src/analysis/tda/complex';
import { barStrings, cycle4, flag, layerBars } from './helpers';

test('clique complex of K4 with a pendant vertex: 5 vertices, 7 edges, 4 triangles, 1 tetrahedron', () => {
  const c = flag(
    5,
    [
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
      [3, 4],
    ],
    3,
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((p) => simplexCount(c, p)),
    [5, 7, 4, 1],
  );
  assert.deepEqual(Array.from(c.byDim[2]), [0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3]);
  assert.deepEqual(Array.from(c.byDim[3]), [0, 1, 2, 3]);
  const capped = flag(
    5,
    [
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ],
    1,
  );
  assert.equal(capped.byDim.length, 2);
});

test('identical complexes: every bar spans all layers (positions [0, 2L+1))', async () => {
  // A hollow square (H1), a filled triangle and an isolated vertex: β0 = 3, β1 = 1.
  const k = flag(8, [...cycle4, [4, 5], [5, 6], [4, 6]]);
  const L = 4;
  const r = await zigzagBarcode(Array.from({ length: L + 1 }, () => k));
  assert.deepEqual(barStrings(r.bars), ['H0[0,9)', 'H0[0,9)', 'H0[0,9)', 'H1[0,9)']);
  assert.deepEqual(barStrings(layerBars(r.bars)), ['H0[0,5)', 'H0[0,5)', 'H0[0,5)', 'H1[0,5)']);
});

test('a cycle only in layers 2–4 (filled elsewhere): one H1 bar, positions [3, 10), layers [2, 5)', async () => {
  const hollow = flag(4, cycle4);
  const filled = flag(4, [...cycle4, [0, 2]]); // the diagonal fills the square with two triangles
  const seq = [filled, filled, hollow, hollow, hollow, filled, filled];
  const r = await zigzagBarcode(seq);
  const h1 = r.bars.filter((b) => b.dim === 1);
  // Born at K1∩K2 (the diagonal is already gone there), dead at K5 (filled again).
  assert.deepEqual(barStrings(h1), ['H1[3,10)']);
  assert.deepEqual(barStrings(layerBars(h1)), ['H1[2,5)']);
  assert.deepEqual(barStrings(r.bars.filter((b) => b.dim === 0)), ['H0[0,13)']);
});

test('a cycle only in layers 2–4 (an edge missing elsewhere): positions [4, 9), layers [2, 5)', async () => {
  const hollow = flag(4, cycle4);
  const path = flag(4, [
    [0, 1],
    [1, 2],
    [2, 3],
  ]);
  const r = await zigzagBarcode([path, path, hollow, hollow, hollow, path]);
  assert.deepEqual(barStrings(r.bars.filter((b) => b.dim === 1)), ['H1[4,9)']);
  assert.deepEqual(barStrings(layerBars(r.bars.filter((b) => b.dim === 1))), ['H1[2,5)']);
});

test('a component that splits and merges back', async () => {
  const path = flag(4, [
    [0, 1],
    [1, 2],
    [2, 3],
  ]);
  const split = flag(4, [
    [0, 1],
    [2, 3],
  ]);
  const r = await zigzagBarcode([path, split, path]);
  // The split is already visible at K0∩K1 (position 1) and gone at K1∩K2's successor K2 (position 4).
  assert.deepEqual(barStrings(r.bars), ['H0[0,5)', 'H0[1,4)']);
  assert.deepEqual(barStrings(layerBars(r.bars)), ['H0[0,3)', 'H0[1,2)']);
});

test('two components that merge and split again', async () => {
  const apart = flag(4, [
    [0, 1],
    [2, 3],
  ]);
  const joined = flag(4, [
    [0, 1],
    [1, 2],
    [2, 3],
  ]);
  const r = await zigzagBarcode([apart, joined, apart]);
  // Positions: 0 apart, 1 apart (∩), 2 joined, 3 apart (∩), 4 apart.
  assert.deepEqual(barStrings(r.bars), ['H0[0,2)', 'H0[0,5)', 'H0[3,5)']);
  assert.deepEqual(barStrings(layerBars(r.bars)), ['H0[0,1)', 'H0[0,3)', 'H0[2,3)']);
});

test('a simplex that leaves and comes back is a new instance (a 2-sphere that opens and closes)', async () => {
  // Boundary of a tetrahedron (H2) with one face removed in the middle layer.
  const faces = [
    [0, 1, 2],
    [0, 1, 3],
    [0, 2, 3],
    [1, 2, 3],
  ];
  const edges = [
    [0, 1],
    [0, 2],
    [0, 3],
    [1, 2],
    [1, 3],
    [2, 3],
  ];
  const verts = [[0], [1], [2], [3]];
  const sphere = complexFromSimplices(4, [...verts, ...edges, ...faces]);
  const disc = complexFromSimplices(4, [...verts, ...edges, ...faces.slice(1)]);
  const r = await zigzagBarcode([sphere, disc, sphere, disc, sphere]);
  assert.deepEqual(barStrings(r.bars), ['H0[0,9)', 'H2[0,1)', 'H2[4,5)', 'H2[8,9)']);
  assert.equal(r.instances, 4 + 6 + 4 + 2); // the removed face enters three times
});

test('zigzag input errors are clear', async () => {
  await assert.rejects(zigzagBarcode([]), /no complexes/);
  await assert.rejects(zigzagBarcode([flag(3, []), flag(4, [])]), /same vertex set/);
  assert.throws(() => complexFromSimplices(3, [[0], [1], [0, 1, 2]]), /without its face/);
});
