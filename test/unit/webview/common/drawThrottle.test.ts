// The streaming-redraw throttle of every analysis panel (webview/common/drawThrottle.ts), driven
// by a simulated clock: draws cost simulated main-thread time, and the schedule must keep their
// share of the thread at or under the requested share, coalesce requests, and never drop the
// last state.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { drawThrottle, type DrawClock } from '../../../../webview/common/drawThrottle';

/** A discrete-event clock: timers and "next frame" callbacks fire in time order as `advance` runs. */
class SimClock implements DrawClock {
  t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  /** Milliseconds from a draw's start until its frame is produced (style/layout/paint). */
  frameCost = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };
  afterNextFrame = (fn: () => void) => {
    this.setTimeout(fn, this.frameCost);
  };
  /** Runs every timer due up to `until` (a draw's cost advances the clock from inside it). */
  advance(until: number): void {
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = Math.max(this.t, until);
  }
}

describe('drawThrottle', () => {
  test('the first request draws at once; a burst of requests while busy becomes one later draw of the latest state', () => {
    const clock = new SimClock();
    clock.frameCost = 40;
    let state = 0;
    const drawn: { at: number; state: number }[] = [];
    const throttle = drawThrottle(() => drawn.push({ at: clock.t, state }), 0.25, clock);
    state = 1;
    throttle.request();
    clock.advance(0);
    assert.deepEqual(drawn, [{ at: 0, state: 1 }]);
    // 20 partials arrive over the next 100 ms.
    for (let i = 2; i <= 21; i++) {
      clock.advance(clock.t + 5);
      state = i;
      throttle.request();
    }
    clock.advance(1000);
    // Cost 40 ms at a 25 % share: the next draw waits 120 ms after the frame (40 ms): at 160 ms.
    assert.deepEqual(drawn, [
      { at: 0, state: 1 },
      { at: 160, state: 21 },
    ]);
  });

  test('under a steady stream the draws take at most the requested share of the time', () => {
    for (const [share, frameCost] of [
      [0.25, 30],
      [0.5, 80],
      [0.1, 5],
    ] as const) {
      const clock = new SimClock();
      clock.frameCost = frameCost;
      let draws = 0;
      const throttle = drawThrottle(() => draws++, share, clock);
      // A partial every 7 ms for 10 s.
      for (let t = 0; t < 10_000; t += 7) {
        clock.advance(t);
        throttle.request();
      }
      clock.advance(10_000);
      const busy = draws * frameCost;
      assert.ok(busy / 10_000 <= share + 0.01, `share ${share}, cost ${frameCost}: busy ${(busy / 100).toFixed(1)} %`);
      // ...and it still draws about as often as the share allows (not starved).
      assert.ok(busy / 10_000 >= share * 0.8, `share ${share}, cost ${frameCost}: only ${draws} draws`);
    }
  });

  test('flush draws a pending state at once; cancel drops it; neither draws when nothing is pending', () => {
    const clock = new SimClock();
    clock.frameCost = 100;
    const drawn: string[] = [];
    let state = 'a';
    const throttle = drawThrottle(() => drawn.push(state), 0.25, clock);
    throttle.request();
    clock.advance(0);
    state = 'b';
    throttle.request();
    clock.advance(50);
    throttle.flush();
    assert.deepEqual(drawn, ['a', 'b']);
    clock.advance(5_000);
    assert.deepEqual(drawn, ['a', 'b'], 'the flushed state is not drawn again');
    throttle.flush();
    state = 'c';
    throttle.request();
    clock.advance(5_000);
    state = 'd';
    throttle.request();
    throttle.cancel();
    clock.advance(10_000);
    assert.deepEqual(drawn, ['a', 'b', 'c']);
  });

  test('a frame that never comes (hidden webview) ends the measurement after 1 s, so drawing resumes', () => {
    const clock = new SimClock();
    clock.frameCost = Number.POSITIVE_INFINITY;
    let draws = 0;
    const throttle = drawThrottle(() => draws++, 0.5, clock);
    throttle.request();
    clock.advance(0);
    throttle.request();
    clock.advance(1_999);
    assert.equal(draws, 1);
    clock.advance(2_000);
    assert.equal(draws, 2);
  });

  test('a share outside (0, 1] is refused', () => {
    assert.throws(() => drawThrottle(() => undefined, 0), /share must be in \(0, 1\]/);
    assert.throws(() => drawThrottle(() => undefined, 1.5), /share must be in \(0, 1\]/);
  });
});
