// Faults injected into the real worker process (fork + IPC + JSON-RPC), beyond those of
// worker.test.ts (SIGKILL mid-job, heap exhaustion, SIGSTOP, back-off): an uncaught exception
// mid-job, a programming error (TypeError) inside a handler, and cancellation of a compute-heavy
// job (spectra: ORT GEMMs + eigensolver), whose CPU use is measured from /proc/<pid>/stat until it
// stops. After each fault the next request must work. Faults come from a preloaded module
// (faults/injectFault.cjs), so the product code has no test hooks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { WorkerCrash } from '../../../../src/extension/worker/crash';
import { WorkerRequestError } from '../../../../src/extension/worker/workerConnection';
import { writeFixtureModel } from '../../../fixtures/makeModel';
import { cpuTimeMs, startWorker, stories260K, tempDir, writeSparseBf16 } from '../../analysis/worker/workerHarness';

const injector = path.join(__dirname, 'faults', 'injectFault.cjs');

async function rejection(p: Promise<unknown>): Promise<WorkerRequestError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkerRequestError, `expected a WorkerRequestError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

function withFault<T>(fault: string, body: () => Promise<T>): Promise<T> {
  const before = process.env.LAYER_LENS_FAULT;
  process.env.LAYER_LENS_FAULT = fault;
  return body().finally(() => {
    if (before === undefined) delete process.env.LAYER_LENS_FAULT;
    else process.env.LAYER_LENS_FAULT = before;
  });
}

describe('injected worker faults', () => {
  const tmp = tempDir();
  const bigFile = path.join(tmp.dir, 'big.safetensors');
  before(() => writeSparseBf16(bigFile, 'big', 16384, 16384));
  after(() => tmp.cleanup());

  test('an uncaught exception mid-job: the job fails naming it, the crash is reported, the next request works', async () => {
    const marker = path.join(tmp.dir, 'uncaught-fired');
    await withFault(`uncaught:big.safetensors:${marker}`, async () => {
      const worker = startWorker({ execArgv: ['--import', 'tsx', '--require', injector] });
      try {
        const crashes: WorkerCrash[] = [];
        worker.onCrash((c) => crashes.push(c));
        let progressed = 0;
        const err = await rejection(worker.request('tensor/stats', { path: bigFile, tensor: 'big' }, { onProgress: () => progressed++ }));
        assert.ok(progressed > 0, 'the fault should land mid-job');
        assert.equal(err.code, 'worker-crashed');
        assert.equal(crashes[0]?.reason, 'exit');
        assert.match(err.message, /exited unexpectedly with code 1/);
        assert.match(crashes[0]!.stderrTail, /injected fault: uncaught exception in the worker/);
        assert.equal((await worker.request('model/open', { path: stories260K })).layerCount, 5);
      } finally {
        worker.dispose();
      }
    });
  });

  test('a TypeError inside a handler is an internal error; the same process serves the next request', async () => {
    await withFault('typeerror:fault-target.safetensors', async () => {
      const worker = startWorker({ execArgv: ['--import', 'tsx', '--require', injector] });
      try {
        const crashes: WorkerCrash[] = [];
        worker.onCrash((c) => crashes.push(c));
        const target = path.join(tmp.dir, 'fault-target.safetensors');
        writeSparseBf16(target, 'w', 4, 4);
        assert.equal((await worker.request('model/open', { path: stories260K })).layerCount, 5);
        const pid = worker.pid;
        const err = await rejection(worker.request('model/open', { path: target }));
        assert.equal(err.code, 'internal');
        assert.match(err.message, /Internal error: injected fault: a handler bug/);
        assert.equal(crashes.length, 0);
        assert.equal(worker.pid, pid);
        assert.equal((await worker.request('model/open', { path: stories260K })).layerCount, 5);
      } finally {
        worker.dispose();
      }
    });
  });
});

describe('cancelling a compute-heavy job', () => {
  const tmp = tempDir();
  let model = '';
  before(async () => {
    // 8 layers of 256-wide Llama: spectra needs an SVD with vectors per matrix, several seconds in all.
    model = (await writeFixtureModel(path.join(tmp.dir, 'llama'), { arch: 'llama', layers: 8, hidden: 256, heads: 8, intermediate: 512, vocab: 64 })).dir;
  });
  after(() => tmp.cleanup());

  test('spectra/run cancelled mid-run: rejected as cancelled, and the worker CPU use stops within 1 s (/proc)', async () => {
    const worker = startWorker();
    try {
      await worker.request('engine/info', {});
      const pid = worker.pid!;
      const abort = new AbortController();
      let firstPartial: () => void = () => undefined;
      const running = new Promise<void>((resolve) => (firstPartial = resolve));
      const job = worker.request('spectra/run', { path: model }, { signal: abort.signal, onPartial: () => firstPartial() });
      const settled = job.then(
        () => undefined,
        (e: unknown) => e,
      );
      await running;
      const cpuBusy0 = cpuTimeMs(pid);
      await new Promise((r) => setTimeout(r, 200));
      const busyRate = (cpuTimeMs(pid) - cpuBusy0) / 200;
      const t0 = performance.now();
      abort.abort();
      const err = await settled;
      const rejectedAfter = performance.now() - t0;
      assert.ok(err instanceof WorkerRequestError && err.code === 'cancelled', String(err));
      // CPU stopped = two consecutive 100 ms windows in which the worker used under 10 ms of CPU.
      let last = cpuTimeMs(pid);
      let quietSince: number | undefined;
      let stoppedAfter: number | undefined;
      while (performance.now() - t0 < 3000) {
        await new Promise((r) => setTimeout(r, 100));
        const now = cpuTimeMs(pid);
        if (now - last < 10) {
          if (quietSince === undefined) quietSince = performance.now() - 100 - t0;
          else {
            stoppedAfter = quietSince;
            break;
          }
        } else quietSince = undefined;
        last = now;
      }
      assert.ok(busyRate > 0.3, `the job should have been computing before the cancel (CPU rate ${busyRate.toFixed(2)})`);
      assert.ok(stoppedAfter !== undefined && stoppedAfter < 1000, `worker CPU still busy ${stoppedAfter ?? '>3000'} ms after cancelling`);
      assert.ok(rejectedAfter < 1000, `cancellation answered after ${rejectedAfter.toFixed(0)} ms`);
      console.log(
        `# spectra cancel: rejected after ${rejectedAfter.toFixed(0)} ms; worker CPU stopped within ${stoppedAfter.toFixed(0)} ms (CPU rate before cancel ${busyRate.toFixed(2)} cores)`,
      );
      assert.equal((await worker.request('model/open', { path: stories260K })).layerCount, 5);
    } finally {
      worker.dispose();
    }
  });
});
