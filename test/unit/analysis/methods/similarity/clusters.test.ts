import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterFloor,
  describeThreshold,
  findClusters,
  MIN_GROUP_GAP,
  MIN_SEPARABILITY,
  otsuThreshold,
} from '../../../../../src/analysis/methods/similarity/clusters';
import { LayerCache, layerBytes, planPairs } from '../../../../../src/analysis/methods/similarity/plan';

/** Similarity of two families of layers, [0, split) and [split, count): high inside, low across. */
function families(count: number, split: number, inside = 0.9, across = 0.2): (a: number, b: number) => number {
  return (a, b) => (a < split === b < split ? inside - 0.01 * Math.abs(a - b) : across + 0.005 * ((a + b) % 3));
}

test("Otsu's threshold and separability on closed-form cases", () => {
  assert.deepEqual(otsuThreshold([0, 0, 1, 1]), { threshold: 0.5, separability: 1, gap: 1 });
  // 0…99: the cut is at the median, group means 24.5 and 74.5, so σ_B² = ¼·50² = 625 against a
  // variance of (n² − 1)/12 = 9999/12: η = 7500/9999 (→ 0.75 for a continuous uniform).
  const grid = Array.from({ length: 100 }, (_, i) => i);
  const g = otsuThreshold(grid);
  assert.equal(g.threshold, 49.5);
  assert.ok(Math.abs(g.separability - 7500 / 9999) < 1e-12, `η ${g.separability}`);
  assert.equal(g.gap, 50);
  assert.deepEqual(otsuThreshold([0.3, 0.3]), { threshold: 0.3, separability: NaN, gap: NaN });
  assert.ok(Number.isNaN(otsuThreshold([NaN]).threshold));
});

test('two families of layers give two clusters with an automatic threshold between them', () => {
  const c = findClusters(6, families(6, 3));
  assert.deepEqual(
    c.clusters.map((k) => [k.first, k.last]),
    [
      [0, 2],
      [3, 5],
    ],
  );
  assert.equal(c.thresholdRule, 'otsu');
  assert.ok(c.threshold > 0.3 && c.threshold < 0.85, `τ ${c.threshold}`);
  assert.ok(c.separability >= MIN_SEPARABILITY);
  assert.ok(Math.abs(c.clusters[0].mean - (0.89 + 0.88 + 0.89) / 3) < 1e-12);
  assert.match(describeThreshold(c), /Otsu's threshold/);
});

test('noise gives no clusters (no clear split); a hand-set threshold still applies', () => {
  const noise = [0.339, 0.337, 0.337, 0.342, 0.338, 0.34, 0.336, 0.34, 0.331, 0.334];
  let k = 0;
  const table = new Map<string, number>();
  for (let a = 0; a < 5; a++) for (let b = a + 1; b < 5; b++) table.set(`${a},${b}`, noise[k++]);
  const sim = (a: number, b: number) => table.get(`${a},${b}`);
  const auto = findClusters(5, sim);
  assert.equal(auto.thresholdRule, 'no clear split');
  assert.deepEqual(auto.clusters, []);
  assert.match(describeThreshold(auto), /no clear split/);
  const manual = findClusters(5, sim, { threshold: 0.336 });
  assert.equal(manual.thresholdRule, 'user');
  // 0–1 0.339, 0–2 0.337 and 1–2 0.338 are ≥ 0.336; 3 joins only if 0–3, 1–3, 2–3 are (0.342, 0.34, 0.34): yes; 4: 0–4 0.338, 1–4 0.336, 2–4 0.331 → no.
  assert.deepEqual(
    manual.clusters.map((c) => [c.first, c.last]),
    [[0, 3]],
  );
  assert.throws(() => findClusters(5, sim, { threshold: NaN }), /finite/);
});

test('two tight groups whose means barely differ are no clusters (minimum gap between the groups)', () => {
  // η = 1 (each group constant), but 0.72 against 0.74 is no block of similar layers.
  const close = (a: number, b: number) => (a >= 3 && b >= 3 ? 0.74 : 0.72);
  const c = findClusters(5, close);
  assert.ok(Math.abs(otsuThreshold([0.72, 0.72, 0.74]).gap - 0.02) < 1e-12);
  assert.equal(c.thresholdRule, 'no clear split');
  assert.ok(Math.abs(c.separability - 1) < 1e-12);
  assert.deepEqual(c.clusters, []);
  assert.match(describeThreshold(c), /means differ by 0\.020, needs ≥ 0\.05/);
  // The same shape with a gap just above the minimum is split.
  const apart = (a: number, b: number) => (a >= 3 && b >= 3 ? 0.72 + MIN_GROUP_GAP + 1e-3 : 0.72);
  assert.deepEqual(
    findClusters(5, apart).clusters.map((k) => [k.first, k.last]),
    [[3, 4]],
  );
});

test('the DOCS floor keeps "as similar as random" layers out of clusters', () => {
  const sim = families(6, 3, 0.4, 0.1);
  assert.deepEqual(
    findClusters(6, sim).clusters.map((c) => [c.first, c.last]),
    [
      [0, 2],
      [3, 5],
    ],
  );
  const floored = findClusters(6, sim, { floor: clusterFloor('docs', 0.4) });
  assert.equal(floored.threshold, 0.44000000000000006);
  assert.deepEqual(floored.clusters, []);
  assert.equal(clusterFloor('cka', 0.4), undefined);
});

test('adjacent-only clusters chain consecutive pairs; a missing or not-comparable pair breaks a block', () => {
  const adjacent = [0.9, 0.88, 0.1, 0.92, NaN, 0.91];
  const sim = (a: number, b: number) => (b === a + 1 ? adjacent[a] : undefined);
  const c = findClusters(7, sim, { adjacentOnly: true, threshold: 0.5 });
  assert.deepEqual(
    c.clusters.map((k) => [k.first, k.last]),
    [
      [0, 2],
      [3, 4],
      [5, 6],
    ],
  );
  assert.ok(Math.abs(c.clusters[0].mean - 0.89) < 1e-12);
});

test('pair plans cover every pair exactly once, adjacent first when everything fits', () => {
  const all = planPairs(6, 'all', 6);
  assert.deepEqual(
    all.slice(0, 5),
    [0, 1, 2, 3, 4].map((a) => ({ a, b: a + 1 })),
  );
  for (const capacity of [2, 3, 4, 6, 10]) {
    const pairs = planPairs(9, 'all', capacity);
    const seen = new Set(pairs.map((p) => `${p.a},${p.b}`));
    assert.equal(pairs.length, 36);
    assert.equal(seen.size, 36, `capacity ${capacity}`);
    assert.ok(pairs.every((p) => p.a < p.b));
  }
  assert.deepEqual(planPairs(4, 'adjacent', 2), [
    { a: 0, b: 1 },
    { a: 1, b: 2 },
    { a: 2, b: 3 },
  ]);
});

test('a tiled plan with a cache of `capacity` layers reads each layer a bounded number of times', async () => {
  for (const capacity of [2, 4, 6]) {
    const cache = new LayerCache<number>(capacity, async (p) => p);
    for (const { a, b } of planPairs(12, 'all', capacity)) {
      assert.equal(await cache.get(a), a);
      assert.equal(await cache.get(b), b);
    }
    const groups = Math.ceil(12 / Math.max(1, Math.floor(capacity / 2)));
    assert.ok(cache.loads <= 12 * groups, `capacity ${capacity}: ${cache.loads} loads`);
  }
  const whole = new LayerCache<number>(12, async (p) => p);
  for (const { a, b } of planPairs(12, 'all', 12)) await Promise.all([whole.get(a), whole.get(b)]);
  assert.equal(whole.loads, 12);
  assert.throws(() => new LayerCache<number>(1, async (p) => p), /at least 2/);
  assert.equal(layerBytes(2048, 8192, { docs: true, raw: false, cka: false, spectral: false }), 4 * 2048 * 8192);
  assert.equal(layerBytes(10, 20, { docs: true, raw: true, cka: true, spectral: true }), 4 * (200 + 200 + 100 + 100));
});
