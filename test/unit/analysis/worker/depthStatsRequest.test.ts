// The worker's 'model/depthStats' request on the trained stories260K model: every layer × kind row
// equals ‖W‖_F, σ and max |w| computed in float64 from the tensor bytes read by the tests' own
// reference reader (not src/analysis/io), with progress reported and the job cancellable.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { WorkerConnection } from '../../../../src/extension/worker/workerConnection';
import { referenceF32, startWorker, stories260K } from './workerHarness';

const SUFFIX: Record<string, string> = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};

describe('model/depthStats', () => {
  let worker: WorkerConnection;
  before(() => {
    worker = startWorker();
  });
  after(() => worker.dispose());

  test('rows equal the float64 statistics of the stored tensors', async () => {
    const progress: number[] = [];
    const r = await worker.request('model/depthStats', { path: stories260K }, { onProgress: (p) => progress.push(p.done) });
    assert.equal(r.rows.length, 5 * 7);
    assert.equal(r.matrices, 35);
    assert.ok(progress.length > 0);
    const file = join(stories260K, 'model.safetensors');
    for (const row of r.rows) {
      const x = Array.from(referenceF32(file, `model.layers.${row.layer}.${SUFFIX[row.kind]}.weight`));
      const mean = x.reduce((a, v) => a + v, 0) / x.length;
      const frob = Math.sqrt(x.reduce((a, v) => a + v * v, 0));
      const std = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length);
      assert.ok(Math.abs(row.frobenius! - frob) <= 1e-12 * frob, `L${row.layer} ${row.kind} ‖W‖ ${row.frobenius} vs ${frob}`);
      assert.ok(Math.abs(row.std! - std) <= 1e-12 * std, `L${row.layer} ${row.kind} σ`);
      assert.equal(row.maxAbs, Math.max(...x.map(Math.abs)));
      assert.equal(row.nonFinite, 0);
    }
  });

  test('a cancelled request rejects as cancelled', async () => {
    const abort = new AbortController();
    const job = worker.request('model/depthStats', { path: stories260K }, { signal: abort.signal });
    abort.abort();
    await assert.rejects(job, (e: Error & { code?: string }) => /cancel/i.test(`${e.code} ${e.message}`));
  });
});
