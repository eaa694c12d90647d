// The command line's progress on a fake stderr with an injected clock: on a terminal one line
// rewritten in place with the time left, cut to the width and erased at the end; elsewhere plain
// lines, none for a quick run and at most one per interval for a long one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressLine, progressPrinter, type ProgressStream } from '../../../../src/analysis/cli/progress';

function fakeStream(isTTY: boolean, columns?: number): ProgressStream & { writes: string[] } {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (t: string) => writes.push(t) };
}

function clock(): { now: () => number; at: (seconds: number) => void } {
  let ms = 0;
  return { now: () => ms, at: (s) => (ms = s * 1000) };
}

test('progressLine: percentage, message and time left', () => {
  assert.equal(progressLine({ done: 1, total: 3, message: 'layer 0 up' }, 130), '33% layer 0 up — about 2 min left');
  assert.equal(progressLine({ done: 1, total: 3 }, undefined), '33%');
  assert.equal(progressLine({ done: 5, total: 0 }, undefined), '0%');
});

test('terminal: one line rewritten in place with the time left, erased when done', () => {
  const s = fakeStream(true);
  const c = clock();
  const p = progressPrinter(s, { now: c.now });
  for (let i = 0; i < 4; i++) {
    c.at(60 * i);
    p.onProgress({ done: i, total: 4, message: `matrix ${i + 1}` });
  }
  assert.deepEqual(s.writes, [
    '\r\x1b[K0% matrix 1',
    '\r\x1b[K25% matrix 2 — about 3 min left',
    '\r\x1b[K50% matrix 3 — about 2 min left',
    '\r\x1b[K75% matrix 4 — about 1 min left',
  ]);
  c.at(240);
  p.onProgress({ done: 4, total: 4 });
  assert.equal(s.writes.at(-1), '\r\x1b[K', 'the line is erased at the end');
  p.clear();
  assert.equal(s.writes.length, 5, 'nothing left to erase');
});

test('terminal: redraws at most every 100 ms, and never wider than the terminal', () => {
  const s = fakeStream(true, 30);
  const c = clock();
  const p = progressPrinter(s, { now: c.now });
  for (let ms = 0; ms < 1000; ms += 10) {
    c.at(ms / 1000);
    p.onProgress({ done: ms, total: 10_000, message: 'a long message about the layer being analysed' });
  }
  assert.equal(s.writes.length, 10);
  for (const w of s.writes) assert.ok(w.replace('\r\x1b[K', '').length <= 29, `fits in 29 columns: ${JSON.stringify(w)}`);
  assert.ok(s.writes[0].endsWith('…'));
  p.clear();
  assert.equal(s.writes.at(-1), '\r\x1b[K');
});

test('not a terminal: a quick run prints nothing', () => {
  const s = fakeStream(false);
  const c = clock();
  const p = progressPrinter(s, { now: c.now });
  for (let i = 0; i <= 40; i++) {
    c.at(i / 10);
    p.onProgress({ done: i, total: 40 });
  }
  p.clear();
  assert.deepEqual(s.writes, []);
});

test('not a terminal: a long run prints plain lines, at most one every 5 s, none at the end', () => {
  const s = fakeStream(false);
  const c = clock();
  const p = progressPrinter(s, { now: c.now });
  // 2 s per step, 10 steps.
  for (let i = 0; i <= 10; i++) {
    c.at(2 * i);
    p.onProgress({ done: i, total: 10, message: `pair ${i + 1}` });
  }
  p.clear();
  assert.deepEqual(s.writes, [
    'layer-lens: 30% pair 4 — about 10 s left\n',
    'layer-lens: 60% pair 7 — a few seconds left\n',
    'layer-lens: 90% pair 10 — a few seconds left\n',
  ]);
  for (const w of s.writes) assert.ok(!w.includes('\r') && !w.includes('\x1b'), 'no terminal control codes in a log');
});
