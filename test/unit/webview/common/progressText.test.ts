// A panel's status line while an analysis runs: the reported message and count, then the time left
// once the pace is known (closed form: constant pace), and a fresh estimate for a new run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressTextOf } from '../../../../webview/common/progressText';

test('the status line gains the time left once the pace is known, and starts over for a new run', () => {
  let ms = 0;
  const text = progressTextOf(() => ms);
  assert.equal(text({ runId: 1, done: 0, total: 6, message: 'layers 0 × 1' }), 'layers 0 × 1 · 0 / 6');
  ms = 20_000;
  assert.equal(text({ runId: 1, done: 1, total: 6, message: 'layers 0 × 2' }), 'layers 0 × 2 · 1 / 6 — about 2 min left');
  ms = 40_000;
  assert.equal(text({ runId: 1, done: 2, total: 6 }), '2 / 6 — about 1 min left');
  ms = 100_000;
  assert.equal(text({ runId: 1, done: 5, total: 6 }), '5 / 6 — about 20 s left');
  ms = 101_000;
  assert.equal(text({ runId: 2, done: 1, total: 6 }), '1 / 6', 'a new run has no estimate yet');
});
