// The real trained stories260K model and tensor statistics. Streamed statistics are compared with a
// plain float64 loop over the whole tensor read at once; NaN/Inf handling and histogram bins are
// checked on hand-made tensors whose answers are worked out by hand.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { readRoleMatrix, readTensorF32 } from '../../../../src/analysis/model/readRole';
import { summarize, tensorStats } from '../../../../src/analysis/model/summary';
import { MATRIX_ROLES, type ModelHandle } from '../../../../src/analysis/model/types';
import { writeSafetensors } from '../../../fixtures/safetensorsWriter';
import { REPO_ROOT } from '../../../paths';

const STORIES = join(REPO_ROOT, 'test/fixtures/models/stories260K');
let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-stats-'));
});
after(() => rm(root, { recursive: true, force: true }));

function reference(v: Float32Array) {
  let min = Infinity,
    max = -Infinity,
    s = 0,
    a = 0,
    z = 0,
    n = 0;
  for (const x of v) {
    if (x === 0) z++;
    if (!Number.isFinite(x)) continue;
    n++;
    min = Math.min(min, x);
    max = Math.max(max, x);
    s += x;
    a += Math.abs(x);
  }
  const mean = s / n;
  let ss = 0;
  for (const x of v) if (Number.isFinite(x)) ss += (x - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(ss / n), absMean: a / n, zeroFraction: z / v.length };
}

const close = (a: number | null, b: number, what: string) =>
  assert.ok(a !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('stories260K opens: Llama, 5 layers, all 7 roles per layer, GQA 8/4 × 8, tied embeddings', async () => {
  const model = await openModel(STORIES);
  assert.equal(model.architecture, 'llama');
  assert.equal(model.architectureLabel, 'LlamaForCausalLM');
  assert.equal(model.layers.length, 5);
  assert.deepEqual(model.attention, { numHeads: 8, numKvHeads: 4, headDim: 8 });
  assert.equal(model.hiddenSize, 64);
  assert.equal(model.intermediateSize, 172);
  assert.equal(model.vocabSize, 512);
  const shapes = { q: [64, 64], k: [32, 64], v: [32, 64], o: [64, 64], gate: [172, 64], up: [172, 64], down: [64, 172] };
  for (const l of model.layers) {
    assert.deepEqual(Object.keys(l.roles), [...MATRIX_ROLES]);
    for (const r of MATRIX_ROLES) assert.deepEqual(l.roles[r]!.shape, shapes[r], `layer ${l.index} ${r}`);
  }
  assert.ok(!model.tensors.has('lm_head.weight'));
  const s = summarize(model);
  assert.equal(s.layerCount, 5);
  assert.equal(
    s.totalParams,
    [...model.tensors.values()].reduce((a, t) => a + t.byteLength / 4, 0),
  );
  assert.deepEqual(
    s.byDtype.map((d) => d.label),
    ['F32'],
  );
  assert.deepEqual(
    s.layers[2].roles.map((r) => r.role),
    [...MATRIX_ROLES],
  );
  assert.equal(s.layers[2].tensors.find((t) => t.name.endsWith('q_proj.weight'))?.role, 'q');
  assert.deepEqual(s.attention, { numHeads: 8, numKvHeads: 4, headDim: 8 });
  assert.doesNotThrow(() => JSON.stringify(s));
});

test('stories260K statistics are plausible and equal a whole-tensor float64 reference', async () => {
  const model = await openModel(STORIES);
  for (const l of model.layers) {
    for (const role of MATRIX_ROLES) {
      const name = l.roles[role]!.source.tensor;
      const st = await tensorStats(model, name, { bins: 32, chunkBytes: 4096 });
      const values = await readTensorF32(model, name);
      const ref = reference(values);
      assert.equal(st.count, values.length);
      assert.equal(st.nanCount + st.infCount, 0);
      assert.ok(st.std! > 0.01 && st.min! < 0 && st.max! > 0, `${name}: std ${st.std} min ${st.min} max ${st.max}`);
      close(st.min, ref.min, 'min');
      close(st.max, ref.max, 'max');
      close(st.mean, ref.mean, 'mean');
      close(st.std, ref.std, 'std');
      close(st.absMean, ref.absMean, 'absMean');
      assert.equal(st.zeroFraction, ref.zeroFraction);
      assert.equal(
        st.histogram.counts.reduce((a, b) => a + b, 0),
        values.length,
      );
      assert.equal(st.histogram.edges.length, 33);
      // Trained weights are roughly bell-shaped: the middle bins hold more than the outer ones.
      const c = st.histogram.counts;
      assert.ok(
        c.slice(8, 24).reduce((a, b) => a + b, 0) >
          c
            .slice(0, 8)
            .concat(c.slice(24))
            .reduce((a, b) => a + b, 0),
      );
    }
  }
  // A layer's matrix read through the role map equals its tensor read directly.
  assert.deepEqual((await readRoleMatrix(model, 3, 'up')).data, await readTensorF32(model, 'model.layers.3.mlp.up_proj.weight'));
});

async function modelOf(values: number[], dtype: 'F32' | 'BF16' = 'F32'): Promise<ModelHandle> {
  const p = join(root, `t-${values.length}-${dtype}-${Math.random().toString(36).slice(2)}.safetensors`);
  await writeSafetensors(p, [{ name: 't', dtype, shape: [values.length], values }]);
  return openModel(p);
}

test('NaN and ±Inf are counted and left out of every other statistic', async () => {
  for (const dtype of ['F32', 'BF16'] as const) {
    const model = await modelOf([1, NaN, Infinity, -Infinity, 0, 2, 0, -3, NaN], dtype);
    const st = await tensorStats(model, 't', { bins: 5, chunkBytes: 64 });
    assert.equal(st.count, 9);
    assert.equal(st.nanCount, 2);
    assert.equal(st.infCount, 2);
    assert.equal(st.zeroFraction, 2 / 9);
    assert.equal(st.min, -3);
    assert.equal(st.max, 2);
    assert.equal(st.mean, 0);
    assert.equal(st.std, Math.sqrt(14 / 5));
    assert.equal(st.absMean, 6 / 5);
    assert.deepEqual(st.histogram.edges, [-3, -2, -1, 0, 1, 2]);
    assert.deepEqual(st.histogram.counts, [1, 0, 0, 2, 2]);
  }
  const allNaN = await tensorStats(await modelOf([NaN, NaN]), 't');
  assert.deepEqual([allNaN.min, allNaN.mean, allNaN.std, allNaN.nanCount, allNaN.histogram.counts.length], [null, null, null, 2, 0]);
});

test('histogram bins: 0..99 in 10 bins is 10 per bin; a constant tensor is one bin', async () => {
  const st = await tensorStats(await modelOf(Array.from({ length: 100 }, (_, i) => i)), 't', { bins: 10, chunkBytes: 64 });
  assert.deepEqual(st.histogram.counts, new Array(10).fill(10));
  assert.equal(st.histogram.edges[10], 99);
  const flat = await tensorStats(await modelOf([0.5, 0.5, 0.5]), 't', { bins: 10 });
  assert.deepEqual(flat.histogram, { edges: [0.5, 0.5], counts: [3] });
  assert.equal(flat.std, 0);
});

test('tensorStats reports progress to completion and stops on cancel', async () => {
  const model = await modelOf(Array.from({ length: 5000 }, (_, i) => Math.sin(i)));
  const done: number[] = [];
  await tensorStats(model, 't', { chunkBytes: 1024, onProgress: (p) => (assert.equal(p.total, 40000), done.push(p.done)) });
  assert.equal(done.at(-1), 40000);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(tensorStats(model, 't', { signal: ac.signal }), /cancelled/);
  await assert.rejects(tensorStats(model, 'nope'), /has no tensor named 'nope'/);
});
