// The helper thread of the band → tridiagonal sweeps: one lease at a time, concurrent reductions
// still correct, the thread ends when idle, and a process that used it exits on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bandToTridiagonal, emptyBand } from '../../../../src/analysis/linalg/bandToTridiagonal';
import { IDLE_MS, leaseSweepHelper, sweepHelper } from '../../../../src/analysis/linalg/wasm/sweepHelper';
import { randomSymmetric } from './helpers';
import { REPO_ROOT } from '../../../paths';

const root = REPO_ROOT;

/** n ≥ 512 and 4b ≤ n: large enough for bandToTridiagonal to use the helper thread. */
function bandOf(n: number, b: number, seed: number) {
  const a = randomSymmetric(n, seed);
  const band = emptyBand(n, b);
  for (let c = 0; c < n; c++) for (let r = c; r <= Math.min(n - 1, c + b); r++) band.data[c * band.ld + r - c] = a[r * n + c];
  return band;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('only one reduction holds the helper; a concurrent one runs alone with the same result', async () => {
  const h = await sweepHelper();
  assert.ok(h, 'this machine has ≥ 2 cores, so a helper thread starts');
  const first = await leaseSweepHelper();
  assert.equal(first, h);
  assert.equal(await leaseSweepHelper(), undefined, 'a second lease is refused while the first is held');
  first.release();
  const again = await leaseSweepHelper();
  assert.equal(again, h, 'released, it can be leased again');
  again.release();

  const n = 560;
  const b = 16;
  const reference = await bandToTridiagonal(bandOf(n, b, 7), { singleThread: true });
  const both = await Promise.all([bandToTridiagonal(bandOf(n, b, 7)), bandToTridiagonal(bandOf(n, b, 7)), bandToTridiagonal(bandOf(n, b, 7))]);
  for (const r of both) {
    assert.deepEqual(r.diagonal, reference.diagonal);
    assert.deepEqual(r.offDiagonal, reference.offDiagonal);
  }
});

test(`the helper thread ends ${IDLE_MS} ms after its last use, and a later reduction starts a new one`, async () => {
  const n = 520;
  const b = 12;
  const reference = await bandToTridiagonal(bandOf(n, b, 3), { singleThread: true });
  await bandToTridiagonal(bandOf(n, b, 3));
  const used = await sweepHelper();
  assert.ok(used && used.alive);
  await sleep(IDLE_MS + 1000);
  assert.equal(used.alive, false, 'idle helper terminated');
  const r = await bandToTridiagonal(bandOf(n, b, 3));
  assert.deepEqual(r.diagonal, reference.diagonal);
  const fresh = await sweepHelper();
  assert.ok(fresh && fresh !== used && fresh.alive, 'a new thread served the later reduction');
  // Terminated while idle, the next reduction again gets a working thread.
  await fresh.terminate();
  assert.deepEqual((await bandToTridiagonal(bandOf(n, b, 3))).diagonal, reference.diagonal);
});

test('a process that used the helper thread exits by itself as soon as its work is done', () => {
  const script = `
    const { bandToTridiagonal, emptyBand } = require(${JSON.stringify(join(root, 'src/analysis/linalg/bandToTridiagonal.ts'))});
    const { sweepHelper } = require(${JSON.stringify(join(root, 'src/analysis/linalg/wasm/sweepHelper.ts'))});
    (async () => {
      const n = 600, b = 20, band = emptyBand(n, b);
      for (let i = 0; i < band.data.length; i++) band.data[i] = Math.sin(i);
      await bandToTridiagonal(band);
      const h = await sweepHelper();
      process.stdout.write(JSON.stringify({ helperAlive: h.alive, doneAt: Date.now() }));
    })();
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const exitedAt = Date.now();
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.equal(out.helperAlive, true, 'the helper was still alive (idle) when the work ended');
  // It did not wait for the idle timer (IDLE_MS), let alone hang on the thread.
  assert.ok(exitedAt - out.doneAt < IDLE_MS, `the process lingered ${exitedAt - out.doneAt} ms after its work`);
});
