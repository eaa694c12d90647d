// The worker process end to end over its real transport (fork + IPC + JSON-RPC): the requests the
// model editor makes, cancellation, errors for bad files, and recovery from a killed worker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { WorkerRequestError, type WorkerConnection } from '../../../../src/extension/worker/workerConnection';
import type { WorkerCrash } from '../../../../src/extension/worker/crash';
import { cpuTimeMs, referenceF32, referenceStats, safetensorsBytes, startWorker, stories260K, tempDir, writeFile, writeSparseBf16 } from './workerHarness';

const MODEL_FILE = path.join(stories260K, 'model.safetensors');

async function rejection(p: Promise<unknown>): Promise<WorkerRequestError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkerRequestError, `expected a WorkerRequestError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('worker', () => {
  let worker: WorkerConnection;
  const tmp = tempDir();
  const bigFile = path.join(tmp.dir, 'big.safetensors');

  before(() => {
    worker = startWorker();
    // 16384 × 16384 BF16 = 512 MiB of zeros in a sparse file: long enough to cancel mid-way.
    writeSparseBf16(bigFile, 'big', 16384, 16384);
  });
  after(() => {
    worker.dispose();
    tmp.cleanup();
  });

  test('model/open on stories260K: architecture, counts and layers from the header', async () => {
    const o = await worker.request('model/open', { path: stories260K });
    assert.equal(o.architecture, 'llama');
    assert.equal(o.layerCount, 5);
    assert.equal(o.tensorCount, 47);
    // embed 512·64 + 5 × (2·64 + 3·64·172 + 64·64·2 + 2·32·64) + final norm 64
    const perLayer = 2 * 64 + 3 * 64 * 172 + 2 * 64 * 64 + 2 * 32 * 64;
    assert.equal(o.totalParams, 512 * 64 + 5 * perLayer + 64);
    assert.deepEqual(
      o.byDtype.map((d) => d.label),
      ['F32'],
    );
    const role = Object.fromEntries(o.byRole.map((r) => [r.label, r.params]));
    assert.equal(role.q, 5 * 64 * 64);
    assert.equal(role.k, 5 * 32 * 64);
    assert.equal(role.gate, 5 * 172 * 64);
    assert.deepEqual(o.groups.map((g) => g.title).slice(0, 2), ['Embeddings', 'Layer 0']);
    assert.equal(o.groups.find((g) => g.title === 'Layer 4')!.tensors.length, 9);
  });

  test('a result computed with the engine says which provider and how many threads computed it', async () => {
    const info = await worker.request('engine/info', {});
    const r = await worker.request('correlations/run', { path: stories260K, layers: [0] });
    assert.deepEqual(r.computedWith, { provider: info.provider, threads: info.threads });
    assert.ok(r.computedWith!.threads >= 1);
    // Reading a header uses no engine, so nothing is claimed about one.
    const o = await worker.request('model/open', { path: stories260K });
    assert.equal(o.computedWith, undefined);
  });

  test('tensor/stats agrees with a float64 reference computed from the raw bytes', async () => {
    const name = 'model.layers.2.mlp.up_proj.weight';
    const values = referenceF32(MODEL_FILE, name);
    const ref = referenceStats(values);
    const progress: number[] = [];
    const s = await worker.request('tensor/stats', { path: stories260K, tensor: name, bins: 32 }, { onProgress: (p) => progress.push(p.done / p.total) });
    assert.equal(s.count, values.length);
    assert.equal(s.min, ref.min);
    assert.equal(s.max, ref.max);
    assert.ok(Math.abs(s.mean! - ref.mean) <= 1e-9 * Math.max(1, Math.abs(ref.mean)), `mean ${s.mean} vs ${ref.mean}`);
    assert.ok(Math.abs(s.std! - ref.std) <= 1e-7 * ref.std, `std ${s.std} vs ${ref.std}`);
    assert.ok(Math.abs(s.absMean! - ref.absMean) <= 1e-7 * ref.absMean, `abs-mean ${s.absMean} vs ${ref.absMean}`);
    assert.equal(s.zeroFraction, ref.zeros / values.length);
    assert.equal(s.nanCount + s.infCount, 0);
    assert.equal(s.histogram.counts.length, 32);
    assert.equal(s.histogram.edges.length, 33);
    assert.equal(
      s.histogram.counts.reduce((a, b) => a + b, 0),
      values.length,
    );
    // 32 equal-width bins from min to max, recounted here.
    const recount = new Array<number>(32).fill(0);
    for (const v of values) recount[Math.min(31, Math.floor(((v - ref.min) * 32) / (ref.max - ref.min)))]!++;
    assert.deepEqual(s.histogram.counts, recount);
    assert.ok(progress.length >= 1 && progress.at(-1) === 1, `progress ${progress.join(', ')}`);
    // Trained weights: a spread-out, roughly centred distribution.
    assert.ok(ref.std > 0.01 && Math.abs(ref.mean) < ref.std, 'plausible trained weights');
  });

  test('a tensor name the model lacks is not-found, naming it', async () => {
    const err = await rejection(worker.request('tensor/stats', { path: stories260K, tensor: 'model.layers.9.nope' }));
    assert.equal(err.code, 'not-found');
    assert.match(err.message, /model\.layers\.9\.nope/);
  });

  test('a malformed file is bad-input with a specific message, and the worker lives on', async () => {
    const truncated = path.join(tmp.dir, 'truncated.safetensors');
    const good = safetensorsBytes({ w: { dtype: 'F32', shape: [4, 4], data_offsets: [0, 64] } }, new Uint8Array(64));
    writeFile(truncated, good.subarray(0, good.length - 10));
    const e1 = await rejection(worker.request('model/open', { path: truncated }));
    assert.equal(e1.code, 'bad-input');
    assert.match(e1.message, /beyond|past|truncat|exceeds|out of (range|bounds)/i);

    const headerTooLong = path.join(tmp.dir, 'header-too-long.safetensors');
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 1_000_000n, true);
    writeFile(headerTooLong, bytes);
    const e2 = await rejection(worker.request('model/open', { path: headerTooLong }));
    assert.equal(e2.code, 'bad-input');
    assert.match(e2.message, /header/i);

    const missing = await rejection(worker.request('model/open', { path: path.join(tmp.dir, 'absent.safetensors') }));
    assert.equal(missing.code, 'not-found');

    assert.equal((await worker.request('model/open', { path: stories260K })).layerCount, 5);
  });

  test('cancelling tensor/stats stops the job: rejected as cancelled within 1 s, no CPU burnt after', async () => {
    const abort = new AbortController();
    let sawProgress = false;
    const job = worker.request(
      'tensor/stats',
      { path: bigFile, tensor: 'big' },
      {
        signal: abort.signal,
        onProgress: () => {
          if (!sawProgress) {
            sawProgress = true;
            abort.abort();
          }
        },
      },
    );
    const t0 = performance.now();
    const started = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve()));
    await started;
    const cancelledAt = performance.now();
    const err = await rejection(job);
    const latency = performance.now() - cancelledAt;
    assert.equal(err.code, 'cancelled');
    assert.ok(latency < 1000, `cancellation took ${latency.toFixed(0)} ms`);
    // Same worker process, now idle: its CPU time stops growing.
    const pid = worker.pid!;
    const cpu0 = cpuTimeMs(pid);
    await new Promise((r) => setTimeout(r, 400));
    const burnt = cpuTimeMs(pid) - cpu0;
    assert.ok(burnt <= 60, `worker used ${burnt} ms CPU in the 400 ms after cancelling`);
    assert.ok(performance.now() - t0 < 10_000);
    console.log(`# cancellation latency ${latency.toFixed(0)} ms; CPU after cancel ${burnt} ms / 400 ms`);
  });

  test('an abort right after the call, before the request reaches the worker, still cancels it', async () => {
    const abort = new AbortController();
    const job = worker.request('tensor/stats', { path: stories260K, tensor: 'model.embed_tokens.weight' }, { signal: abort.signal });
    abort.abort();
    const err = await rejection(job);
    assert.equal(err.code, 'cancelled');
    assert.equal((await worker.request('tensor/stats', { path: stories260K, tensor: 'model.norm.weight' })).count, 64);
  });

  test('a worker killed mid-job is reported, the job fails clearly, and the next request restarts it', async () => {
    const crashes: WorkerCrash[] = [];
    const states: string[] = [];
    const offCrash = worker.onCrash((c) => crashes.push(c));
    const offState = worker.onStateChange((s) => states.push(s));
    try {
      let firstProgress: () => void = () => undefined;
      const running = new Promise<void>((resolve) => (firstProgress = resolve));
      const job = worker.request('tensor/stats', { path: bigFile, tensor: 'big' }, { onProgress: () => firstProgress() });
      await running;
      const oldPid = worker.pid!;
      process.kill(oldPid, 'SIGKILL');
      const err = await rejection(job);
      assert.equal(err.code, 'worker-crashed');
      assert.match(err.message, /killed \(SIGKILL\)/);
      assert.equal(crashes.length, 1);
      assert.equal(crashes[0]!.reason, 'killed');
      assert.equal(worker.state, 'crashed');
      const o = await worker.request('model/open', { path: stories260K });
      assert.equal(o.layerCount, 5);
      assert.notEqual(worker.pid, oldPid);
      assert.deepEqual(states.slice(-2), ['busy', 'idle']);
      assert.ok(states.includes('crashed'));
    } finally {
      offCrash();
      offState();
    }
  });

  test('engine/info names the provider that computes', async () => {
    const info = await worker.request('engine/info', {});
    assert.ok(['cuda', 'webgpu', 'cpu'].includes(info.provider));
    assert.ok(info.threads >= 1);
    assert.equal(info.tried.at(-1)!.provider, info.provider);
  });
});

describe('worker out of memory', () => {
  test('heap exhaustion is reported as out-of-memory and the next request works in a fresh process', async () => {
    const tmp = tempDir();
    // 400,000 one-byte tensors: a legal 27 MB header whose parse needs far more than a 24 MB heap.
    const n = 400_000;
    const header: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) header[`t${i}`] = { dtype: 'U8', shape: [1], data_offsets: [i, i + 1] };
    const file = path.join(tmp.dir, 'many.safetensors');
    writeFile(file, safetensorsBytes(header, new Uint8Array(n)));
    const worker = startWorker({ maxOldSpaceMB: 24 });
    try {
      const crashes: WorkerCrash[] = [];
      worker.onCrash((c) => crashes.push(c));
      const err = await rejection(worker.request('model/open', { path: file }));
      assert.equal(err.code, 'worker-crashed');
      assert.equal(crashes[0]?.reason, 'out-of-memory', crashes[0]?.stderrTail);
      assert.match(err.message, /ran out of memory \(heap limit 24 MB\)/);
      assert.equal((await worker.request('model/open', { path: stories260K })).layerCount, 5);
    } finally {
      worker.dispose();
      tmp.cleanup();
    }
  });
});

describe('worker recovery', () => {
  test('a worker that ignores a cancellation (stopped process) is killed after the grace period', async () => {
    const tmp = tempDir();
    const file = path.join(tmp.dir, 'big.safetensors');
    writeSparseBf16(file, 'big', 16384, 16384);
    const worker = startWorker({ cancelGraceMs: 300 });
    try {
      const crashes: WorkerCrash[] = [];
      worker.onCrash((c) => crashes.push(c));
      const abort = new AbortController();
      let started: () => void = () => undefined;
      const running = new Promise<void>((resolve) => (started = resolve));
      const job = worker.request('tensor/stats', { path: file, tensor: 'big' }, { signal: abort.signal, onProgress: () => started() });
      await running;
      // SIGSTOP: the process can no longer see $/cancelRequest, like one stuck in a tight loop.
      process.kill(worker.pid!, 'SIGSTOP');
      const t0 = performance.now();
      abort.abort();
      const err = await rejection(job);
      const waited = performance.now() - t0;
      assert.equal(err.code, 'cancelled');
      assert.equal(crashes[0]?.reason, 'unresponsive');
      assert.ok(waited >= 250 && waited < 3000, `gave up after ${waited.toFixed(0)} ms`);
      assert.equal((await worker.request('model/open', { path: stories260K })).layerCount, 5);
    } finally {
      worker.dispose();
      tmp.cleanup();
    }
  });

  test('repeated crashes back off: the first restart is immediate, the next waits', async () => {
    const worker = startWorker({ initialBackoffMs: 400, maxBackoffMs: 400 });
    /** Milliseconds from a request to the start of the process that serves it. */
    const startDelay = async () => {
      const t0 = performance.now();
      let startedAt = 0;
      const off = worker.onStart(() => (startedAt = performance.now()));
      await worker.request('model/open', { path: stories260K });
      off();
      return startedAt - t0;
    };
    const kill = async () => {
      const dead = new Promise<void>((resolve) => {
        const off = worker.onCrash(() => {
          off();
          resolve();
        });
      });
      process.kill(worker.pid!, 'SIGKILL');
      await dead;
    };
    try {
      await startDelay();
      await kill();
      const afterOne = await startDelay();
      await kill();
      const afterTwo = await startDelay();
      assert.ok(afterOne < 100, `restart after one crash waited ${afterOne.toFixed(0)} ms`);
      assert.ok(afterTwo >= 350, `restart after two quick crashes waited only ${afterTwo.toFixed(0)} ms`);
    } finally {
      worker.dispose();
    }
  });
});
