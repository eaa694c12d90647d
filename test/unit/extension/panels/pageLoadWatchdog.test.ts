import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageLoadWatchdog } from '../../../../src/extension/panels/pageLoadWatchdog';

/** A watchdog over a fake panel and a fake clock: `tick()` fires the pending timer. */
function rig(visible = true) {
  const state = { visible, reloads: 0, logs: [] as string[], timers: [] as Array<{ fn: () => void; cleared: boolean }> };
  const dog = new PageLoadWatchdog({
    visible: () => state.visible,
    reload: () => state.reloads++,
    log: (m) => state.logs.push(m),
    delayMs: 5000,
    attempts: 2,
    setTimer: (fn) => {
      const t = { fn, cleared: false };
      state.timers.push(t);
      return t;
    },
    clearTimer: (h) => ((h as { cleared: boolean }).cleared = true),
  });
  const pending = () => state.timers.filter((t) => !t.cleared);
  const tick = () => {
    const t = pending().at(-1);
    assert.ok(t, 'a timer is pending');
    t.cleared = true;
    t.fn();
  };
  return { state, dog, pending, tick };
}

test('a page that says ready in time is never loaded again', () => {
  const { state, dog, pending } = rig();
  assert.equal(pending().length, 1);
  dog.pageReady();
  assert.equal(pending().length, 0);
  assert.equal(state.reloads, 0);
});

test('a silent visible page is loaded again, at most `attempts` times, then the watchdog says so', () => {
  const { state, tick, pending } = rig();
  tick();
  assert.equal(state.reloads, 1);
  tick();
  assert.equal(state.reloads, 2);
  tick();
  assert.equal(state.reloads, 2, 'no third reload');
  assert.equal(pending().length, 0);
  assert.match(state.logs.at(-1)!, /did not load after 2 attempts/);
});

test('a hidden panel is not watched; showing it again starts a new wait even after an earlier ready', () => {
  const { state, dog, pending, tick } = rig(false);
  assert.equal(pending().length, 0, 'nothing armed while hidden');
  state.visible = true;
  dog.viewStateChanged();
  assert.equal(pending().length, 1);
  dog.pageReady();
  assert.equal(pending().length, 0);
  state.visible = false;
  dog.viewStateChanged();
  state.visible = true;
  dog.viewStateChanged();
  assert.equal(pending().length, 1, 'the re-created page must say ready again');
  tick();
  assert.equal(state.reloads, 1);
});

test('hiding the panel or disposing it stops the wait', () => {
  const { state, dog, pending } = rig();
  state.visible = false;
  dog.viewStateChanged();
  assert.equal(pending().length, 0);
  state.visible = true;
  dog.viewStateChanged();
  dog.dispose();
  assert.equal(pending().length, 0);
  dog.viewStateChanged();
  assert.equal(pending().length, 0);
});
