/**
 * Zigzag = ordinary persistence when every map is an inclusion (K₀ ⊆ K₁ ⊆ …, so K_ℓ∩K_{ℓ+1} = K_ℓ),
 * compared with the plain filtration reduction (run WITHOUT clearing, so the two share no shortcut);
 * and the zigzag's bars give the Betti numbers of every single complex.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zigzagBarcode } from '../../../../src/analysis/tda/zigzag';
import { filtrationBarcode, type FilteredSimplex } from '../../../../src/analysis/tda/filtration';
import { simplexAt, type Complex } from '../../../../src/analysis/tda/complex';
import { reduceBoundary } from '../../../../src/analysis/tda/reduce';
import { rng } from '../engine/random';
import { barStrings, flag, layerBars } from './helpers';

function randomGraph(n: number, p: number, rand: () => number): Array<[number, number]> {
  const e: Array<[number, number]> = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (rand() < p) e.push([a, b]);
  return e;
}

function simplices(c: Complex): number[][] {
  return c.byDim.flatMap((flat, p) => Array.from({ length: flat.length / (p + 1) }, (_, i) => simplexAt(c, p, i)));
}

test('filtration reduction: a triangle boundary then its fill gives H0 [0,∞), H1 [1,2)', async () => {
  const f: FilteredSimplex[] = [
    { vertices: [0], value: 0 },
    { vertices: [1], value: 0 },
    { vertices: [2], value: 0 },
    { vertices: [0, 1], value: 0 },
    { vertices: [1, 2], value: 0.5 },
    { vertices: [0, 2], value: 1 },
    { vertices: [0, 1, 2], value: 2 },
  ];
  assert.deepEqual(await filtrationBarcode(f), [
    { dim: 0, birth: 0, death: 0.5 },
    { dim: 0, birth: 0, death: Infinity },
    { dim: 1, birth: 1, death: 2 },
  ]);
  await assert.rejects(
    filtrationBarcode([
      { vertices: [0, 1], value: 0 },
      { vertices: [0], value: 0 },
      { vertices: [1], value: 1 },
    ]),
    /before its face/,
  );
});

test('reduction with and without clearing give the same pairs', async () => {
  const rand = rng(11);
  const c = flag(9, randomGraph(9, 0.5, rand), 3);
  const s = simplices(c).sort((a, b) => a.length - b.length);
  const index = new Map(s.map((v, i) => [v.join(','), i]));
  const columns = s.map((v) => Int32Array.from(v.length === 1 ? [] : v.map((_, i) => index.get(v.filter((_, j) => j !== i).join(','))!).sort((a, b) => a - b)));
  const dims = s.map((v) => v.length - 1);
  const a = await reduceBoundary({ dims, columns }, { clearing: true });
  const b = await reduceBoundary({ dims, columns }, { clearing: false });
  assert.deepEqual(a.pairs, b.pairs);
  assert.deepEqual(a.essential, b.essential);
  assert.ok(a.additions <= b.additions);
});

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`inclusion-only zigzag equals ordinary persistence (seed ${seed})`, async () => {
    const rand = rng(seed);
    const n = 7 + (seed % 3);
    const layerCount = 4 + (seed % 3);
    // Growing edge sets: each layer adds a few random edges to the previous one.
    const edges: Array<[number, number]> = [];
    const all = randomGraph(n, 1, rand).sort(() => rand() - 0.5);
    const layers: Complex[] = [];
    for (let l = 0; l < layerCount; l++) {
      edges.push(...all.splice(0, 2 + Math.floor(rand() * 4)));
      layers.push(flag(n, [...edges], 3));
    }
    const firstLayer = new Map<string, number>();
    layers.forEach((c, l) =>
      simplices(c).forEach((v) => {
        if (!firstLayer.has(v.join(','))) firstLayer.set(v.join(','), l);
      }),
    );
    const filtration: FilteredSimplex[] = [...firstLayer].map(([k, value]) => ({ vertices: k.split(',').map(Number), value }));
    const plain = await filtrationBarcode(filtration, { clearing: false });
    const zz = layerBars((await zigzagBarcode(layers)).bars).map((b) => ({ ...b, death: b.death === layerCount ? Infinity : b.death }));
    assert.ok(plain.length > n / 2);
    assert.deepEqual(barStrings(zz), barStrings(plain));
  });
}

test('zigzag bars give every layer its Betti numbers (β_p(ℓ) = #bars with birth ≤ ℓ < death)', async () => {
  const rand = rng(99);
  const layers = Array.from({ length: 6 }, () => flag(8, randomGraph(8, 0.45, rand), 2));
  const bars = layerBars((await zigzagBarcode(layers)).bars);
  for (const [l, c] of layers.entries()) {
    const own = await filtrationBarcode(simplices(c).map((vertices) => ({ vertices, value: 0 })));
    for (const p of [0, 1, 2]) {
      const betti = own.filter((b) => b.dim === p && b.death === Infinity).length;
      assert.equal(bars.filter((b) => b.dim === p && b.birth <= l && l < b.death).length, betti, `β${p} of layer ${l}`);
    }
  }
});
