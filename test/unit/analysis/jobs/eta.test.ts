// The time-left estimator against closed forms, with an injected clock: a constant pace gives the
// exact time left however the steps are cut, a slow first step is forgotten, a pause and a heavier
// second pass make the estimate grow, done gives 0, and too little evidence gives none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimeLeft, ProgressEta } from '../../../../src/analysis/jobs/eta';

function clock(): { now: () => number; at: (seconds: number) => void } {
  let ms = 0;
  return { now: () => ms, at: (s) => (ms = s * 1000) };
}

function close(actual: number | undefined, expected: number, tol = 1e-9): void {
  assert.ok(actual !== undefined, `expected an estimate near ${expected}, got none`);
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, expected), `expected ${expected}, got ${actual}`);
}

test('a constant pace gives the exact time left once two steps are in', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  c.at(0);
  assert.deepEqual(eta.update(0, 10), { fraction: 0, secondsLeft: undefined });
  c.at(1);
  assert.equal(eta.update(1, 10).secondsLeft, undefined, 'one short step is not evidence enough');
  for (let i = 2; i <= 9; i++) {
    c.at(i);
    const e = eta.update(i, 10);
    assert.equal(e.fraction, i / 10);
    close(e.secondsLeft, 10 - i);
  }
});

test('steps of uneven size at a constant pace still give the exact answer', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  // 2 s per unit of work, steps of 1, 5, 2, 7, 3 units out of 40.
  let done = 0;
  c.at(0);
  eta.update(0, 40);
  for (const step of [1, 5, 2, 7, 3]) {
    done += step;
    c.at(2 * done);
    const e = eta.update(done, 40);
    if (done > 1) close(e.secondsLeft, 2 * (40 - done));
  }
});

test('one long step is evidence enough on its own', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  eta.update(0, 4);
  c.at(30);
  close(eta.update(1, 4).secondsLeft, 90);
});

test('a slow first step (loading, compiling) is replaced by the pace that follows', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  eta.update(0, 100);
  c.at(30);
  eta.update(1, 100);
  c.at(31);
  close(eta.update(2, 100).secondsLeft, 98);
  c.at(32);
  close(eta.update(3, 100).secondsLeft, 97);
});

test('a pause makes the estimate grow, while it lasts and after it', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  for (let i = 0; i <= 4; i++) {
    c.at(i);
    eta.update(i, 10);
  }
  close(eta.estimate().secondsLeft, 6);
  // Within the time a step takes, nothing changes.
  c.at(5);
  close(eta.estimate().secondsLeft, 6);
  // Overdue: the pace is at most one step (0.1 of the work) per 3 s waited → 0.6 / (0.1 / 3) = 18 s.
  c.at(7);
  close(eta.estimate().secondsLeft, 18);
  c.at(10);
  const during = eta.estimate().secondsLeft;
  close(during, 36);
  // A report without progress (only a new message) is still a pause.
  assert.equal(eta.update(4, 10).secondsLeft, during);
  // The step that took 5 s arrives: the pace blends towards 0.1 / 5 s with weight 1 − e^(−5/5).
  c.at(9);
  const w = 1 - Math.exp(-1);
  const rate = 0.1 + w * (0.02 - 0.1);
  const after = eta.update(5, 10).secondsLeft;
  close(after, 0.5 / rate);
  assert.ok(after! > 5, 'slower than the pace before the pause');
});

test('a heavier second pass takes over within a few of its steps', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  let t = 0;
  eta.update(0, 40);
  for (let i = 1; i <= 20; i++) {
    c.at((t += 1));
    eta.update(i, 40);
  }
  const before = eta.estimate().secondsLeft!;
  close(before, 20);
  const errors: number[] = [];
  for (let i = 21; i <= 30; i++) {
    c.at((t += 3));
    const left = eta.update(i, 40).secondsLeft!;
    errors.push(Math.abs(left - 3 * (40 - i)) / (3 * (40 - i)));
  }
  for (let k = 1; k < errors.length; k++) assert.ok(errors[k] < errors[k - 1], `error shrinks step by step: ${errors.map((e) => e.toFixed(3)).join(' ')}`);
  assert.ok(errors[4] < 0.25 && errors[9] < 0.1, `within 25 % after 5 heavy steps, 10 % after 10: ${errors.map((e) => e.toFixed(3)).join(' ')}`);
});

test('done gives 0 left, and a new total or a step back starts over', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  for (let i = 0; i <= 3; i++) {
    c.at(i);
    eta.update(i, 3);
  }
  assert.deepEqual(eta.estimate(), { fraction: 1, secondsLeft: 0 });
  assert.deepEqual(eta.update(5, 3), { fraction: 1, secondsLeft: 0 }, 'done beyond total is done');
  c.at(4);
  assert.deepEqual(eta.update(0, 1000), { fraction: 0, secondsLeft: undefined }, 'a new phase has no evidence yet');
  c.at(5);
  eta.update(100, 1000);
  c.at(6);
  close(eta.update(200, 1000).secondsLeft, 8);
  c.at(7);
  assert.equal(eta.update(50, 1000).secondsLeft, undefined, 'done went back: start over');
});

test('work restored in no time (a cache) does not count as pace', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  c.at(0);
  eta.update(0, 20);
  for (let i = 1; i <= 10; i++) eta.update(i, 20);
  // The other 10 steps take 2 s each.
  c.at(2);
  eta.update(11, 20);
  c.at(4);
  close(eta.update(12, 20).secondsLeft, 16);
});

test('no total, no progress: no estimate and no crash', () => {
  const c = clock();
  const eta = new ProgressEta({ now: c.now });
  assert.deepEqual(eta.update(0, 0), { fraction: 0, secondsLeft: undefined });
  c.at(100);
  assert.deepEqual(eta.update(0, 0), { fraction: 0, secondsLeft: undefined });
  assert.deepEqual(eta.update(3, 10), { fraction: 0.3, secondsLeft: undefined });
});

test('formatTimeLeft reads like a person would say it', () => {
  assert.equal(formatTimeLeft(undefined), '');
  assert.equal(formatTimeLeft(Infinity), '');
  assert.equal(formatTimeLeft(0), 'a few seconds left');
  assert.equal(formatTimeLeft(9.9), 'a few seconds left');
  assert.equal(formatTimeLeft(23), 'about 20 s left');
  assert.equal(formatTimeLeft(50), 'about 50 s left');
  assert.equal(formatTimeLeft(56), 'about 1 min left');
  assert.equal(formatTimeLeft(130), 'about 2 min left');
  assert.equal(formatTimeLeft(59 * 60), 'about 59 min left');
  assert.equal(formatTimeLeft(3600), 'about 1 h left');
  assert.equal(formatTimeLeft(4800), 'about 1 h 20 min left');
});
