// Thinned band-axis ticks (webview/common/axisTicks.ts): the step is the smallest of 1, 2, 5, 10, …
// leaving each label its room, the ticks are every step-th value from the first, and the last one
// is kept on request. Expected values are worked out by hand from the definition.
import test from 'node:test';
import assert from 'node:assert/strict';
import { niceStep, thinnedTicks } from '../../../../webview/common/axisTicks';

test('niceStep rounds up to 1, 2, 5 × 10ⁿ', () => {
  assert.deepEqual([0, 1, 1.01, 2, 2.5, 4.9, 5, 5.1, 11, 20, 21, 60, 101].map(niceStep), [1, 1, 2, 2, 5, 5, 5, 10, 20, 20, 50, 100, 200]);
});

test('80 layers over 580 px, 14 px a label: every 2nd layer (7.25 px a band → 1.93 → 2)', () => {
  const labels = Array.from({ length: 80 }, (_, i) => `L${i}`);
  const ticks = thinnedTicks(labels, 580, 14);
  assert.equal(ticks.length, 40);
  assert.deepEqual(ticks.slice(0, 3), ['L0', 'L2', 'L4']);
  assert.equal(ticks.at(-1), 'L78');
  // Each label has its room: (580 / 80) · 2 ≥ 14.
  assert.ok((580 / 80) * 2 >= 14);
});

test('few bands: every band labelled', () => {
  assert.deepEqual(thinnedTicks(['q', 'k', 'v'], 300, 20), ['q', 'k', 'v']);
  assert.deepEqual(thinnedTicks([], 300, 20), []);
});

test('keepLast adds the last value, replacing a tick closer than half a step', () => {
  const clouds = [...Array.from({ length: 80 }, (_, i) => String(i)), 'norm'];
  // 496 px / 81 = 6.12 px a band, 24 px a label → 3.9 → step 5: 0, 5, …, 75, then index 80 = 'norm' itself.
  const t = thinnedTicks(clouds, 496, 24, true);
  assert.equal(t.length, 17);
  assert.equal(t.at(-1), 'norm');
  assert.equal(t.at(-2), '75');
  // 12 values, step 5: 0, 5, 10; the last (11) is 1 from 10 (< 2.5): 10 gives way.
  assert.deepEqual(
    thinnedTicks(
      Array.from({ length: 12 }, (_, i) => i),
      60,
      20,
      true,
    ),
    [0, 5, 11],
  );
  // 14 values, step 5: 0, 5, 10 and 13 (3 from 10, ≥ 2.5): both kept.
  assert.deepEqual(
    thinnedTicks(
      Array.from({ length: 14 }, (_, i) => i),
      70,
      20,
      true,
    ),
    [0, 5, 10, 13],
  );
});
