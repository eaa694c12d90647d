/**
 * Layers read into the memory of the layer before, lm_head chunks into one buffer and weight
 * gradients into reused arrays (bufferPool.ts) give exactly the numbers of fresh memory every
 * layer: logits, hidden states, the objective, every weight gradient, the lm_head and final-norm
 * gradients and the input gradient are compared bit for bit with `reuseBuffers: false`, on the
 * oracle's llama_default model (F32 and BF16 files, 2 and 4 layers) and on a Mixtral fixture.
 * The F32 llama_default logits are also checked against test/oracles/llama_forward.json.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor, fileWeightSource, type WeightSource } from '../../../../../src/analysis/model/executor/index';
import { DecoderExecutor, type RunResult } from '../../../../../src/analysis/model/executor/decoder';
import { decoderConfig } from '../../../../../src/analysis/model/executor/config';
import { FloatBufferPool } from '../../../../../src/analysis/model/executor/bufferPool';
import type { FloatArray } from '../../../../../src/analysis/model/executor/session';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { writeSafetensors } from '../../../../fixtures/safetensorsWriter';
import { syntheticWeights } from '../../../../fixtures/syntheticModel';
import { MOE_ORACLE, writeOracleModel } from './moeOracleModel';
import { REPO_ROOT } from '../../../../paths';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';

const LLAMA = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/llama_forward.json'), 'utf8')).synthetic.llama_default;

let root = '';
before(() => void (root = mkdtempSync(join(tmpdir(), 'll-reuse-'))));
after(() => rmSync(root, { recursive: true, force: true }));

async function writeLlama(name: string, layers: number, dtype: 'F32' | 'BF16'): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir);
  const cfg = { ...LLAMA.config, num_hidden_layers: layers };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  const tensors = [...syntheticWeights(cfg)].map(([n, w]) => ({ name: n, dtype, shape: w.shape, values: w.data }));
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}

interface Outcome {
  run: RunResult;
  /** Copies of every layer's weights and gradients, and of the head's gradients. */
  copies: Map<string, Float32Array | Float64Array>;
  /** The arrays onLayer received (not copies), by layer then key. */
  received: Array<Record<string, FloatArray>>;
  /** Distinct destination buffers readInto was given, by tensor name without its layer number. */
  destinations: Map<string, Set<Float32Array>>;
}

/** A file source that records where readInto reads to. */
function recording(src: WeightSource, destinations: Map<string, Set<Float32Array>>): WeightSource {
  return {
    has: (n) => src.has(n),
    shape: (n) => src.shape(n),
    read: (n) => src.read(n),
    readRows: (n, a, b) => src.readRows(n, a, b),
    moeMatrix: src.moeMatrix,
    readInto: async (n, dest, first) => {
      const key = n.replace(/\.layers\.\d+\./, '.layers.N.');
      destinations.set(key, (destinations.get(key) ?? new Set()).add(dest));
      return src.readInto!(n, dest, first);
    },
  };
}

async function runOnce(model: ModelHandle, reuseBuffers: boolean, objective: 'max-logit' | 'lm-loss'): Promise<Outcome> {
  const destinations = new Map<string, Set<Float32Array>>();
  const ex = new DecoderExecutor(decoderConfig(model), recording(fileWeightSource(model), destinations), { reuseBuffers, vocabChunkRows: 16 });
  const copies = new Map<string, Float32Array | Float64Array>();
  const received: Outcome['received'] = [];
  const ids = LLAMA.ids.slice(0, 6).map((id: number) => id % ex.cfg.vocabSize);
  try {
    const run = await ex.run(
      [ids],
      { logits: 'all', hiddenStates: true, postAttentionNorm: true, mlpActivations: true, finalNorm: true },
      {
        objective,
        reuseLayerBuffers: true,
        onLayer: ({ layer, weights, grads }) => {
          received[layer] = grads;
          for (const [k, v] of Object.entries(weights)) copies.set(`${layer}:w:${k}`, v.slice());
          for (const [k, v] of Object.entries(grads)) copies.set(`${layer}:g:${k}`, v.slice());
        },
        onLmHeadGrad: (r0, _r1, g) => void copies.set(`head:${r0}`, g.slice()),
        onFinalNormGrad: (g) => void copies.set('final_norm', g.slice()),
      },
    );
    return { run, copies, received, destinations };
  } finally {
    await ex.release();
  }
}

function assertSame(a: Outcome, b: Outcome): void {
  for (const key of ['logits', 'finalNorm', 'inputGrad', 'objectiveValue', 'targets'] as const) assert.deepEqual(a.run[key], b.run[key], key);
  for (const key of ['hiddenStates', 'postAttentionNorm', 'mlpActivations'] as const) {
    assert.equal(a.run[key]!.length, b.run[key]!.length);
    a.run[key]!.forEach((x, l) => assert.deepEqual(x, b.run[key]![l], `${key}[${l}]`));
  }
  assert.deepEqual([...a.copies.keys()].sort(), [...b.copies.keys()].sort());
  for (const [k, v] of a.copies) assert.deepEqual(v, b.copies.get(k), k);
}

test('F32 llama_default: reused buffers give the fresh-memory numbers bit for bit, and the oracle logits', async () => {
  const model = await openModel(await writeLlama('llama_f32', 2, 'F32'));
  for (const objective of ['max-logit', 'lm-loss'] as const) {
    const fresh = await runOnce(model, false, objective);
    const reused = await runOnce(model, true, objective);
    assertSame(reused, fresh);
    assert.equal(fresh.destinations.size, 0, 'without reuse nothing is read into a buffer');
  }
  const ex = executorFor(model, { vocabChunkRows: 16 });
  try {
    const r = await ex.run([LLAMA.ids], { logits: 'all' });
    let maxDiff = 0;
    LLAMA.ids.forEach((_: number, t: number) => {
      for (let v = 0; v < ex.cfg.vocabSize; v++) maxDiff = Math.max(maxDiff, Math.abs(r.logits![t * ex.cfg.vocabSize + v] - LLAMA.logits[t][v]));
    });
    assert.ok(maxDiff < 1e-4, `max |Δlogit| against the oracle = ${maxDiff}`);
  } finally {
    await ex.release();
  }
});

test('BF16, 4 layers: layers 3 and 4 are read into the buffers of layers 1 and 2, gradients reuse their arrays, numbers unchanged', async () => {
  const model = await openModel(await writeLlama('llama_bf16', 4, 'BF16'));
  const fresh = await runOnce(model, false, 'max-logit');
  const reused = await runOnce(model, true, 'max-logit');
  assertSame(reused, fresh);
  // Each layer matrix is read 8 times (4 layers forward, 4 backward) into the few buffers of its length:
  // gate, up and down (d×ff each) share 3 × (2 layers in flight + 1 set of gradients) at most.
  const q = reused.destinations.get('model.layers.N.self_attn.q_proj.weight')!.size;
  const down = reused.destinations.get('model.layers.N.mlp.down_proj.weight')!.size;
  assert.ok(q <= 4 && down <= 9, `${q} buffers for 8 reads of q_proj, ${down} for 8 reads of down_proj`);
  // lm_head chunks of 16 rows: the forward's 4 chunks share one buffer, the backward's (target) chunk has its own.
  assert.equal(reused.destinations.get('lm_head.weight')!.size, 2);
  // Gradients: layer 2 gets the arrays layer 3 handed back (the weights' arrays are taken first, so not layer 3's own).
  const again = Object.keys(reused.received[3]).filter((k) => Object.values(reused.received.slice(0, 3)).some((g) => g[k] === reused.received[3][k]));
  assert.ok(again.length > 0, 'some gradient arrays of layer 3 are reused by a later (lower) layer');
});

test('Mixtral fixture: expert weights and gradients with reused buffers match fresh memory bit for bit', async () => {
  const model = await openModel(await writeOracleModel(join(root, 'mixtral'), MOE_ORACLE.cases.mixtral));
  assertSame(await runOnce(model, true, 'max-logit'), await runOnce(model, false, 'max-logit'));
});

test('FloatBufferPool hands arrays back by length and ignores arrays it did not create', () => {
  const pool = new FloatBufferPool('float32');
  const a = pool.take(8);
  pool.give(a, a, new Float32Array(8));
  assert.equal(pool.take(8), a);
  assert.notEqual(pool.take(8), a, 'given once, taken once');
  assert.notEqual(pool.take(4).length, 8);
  assert.equal(pool.created, 3);
  assert.ok(new FloatBufferPool('float64').take(2) instanceof Float64Array);
});

test('readInto: a file cut short after opening fails with a ModelFileError naming it; a range past the tensor is refused', async () => {
  const dir = await writeLlama('llama_cut', 2, 'BF16');
  const model = await openModel(dir);
  const source = fileWeightSource(model);
  const name = 'model.layers.1.self_attn.q_proj.weight';
  const n = source.shape(name).reduce((a, b) => a * b, 1);
  const whole = new Float32Array(n);
  assert.equal(await source.readInto!(name, whole), true);
  assert.deepEqual(whole, await source.read(name), 'readInto gives what read() gives');
  const tail = new Float32Array(10);
  assert.equal(await source.readInto!(name, tail, n - 10), true);
  assert.deepEqual(tail, whole.subarray(n - 10));
  await assert.rejects(source.readInto!(name, new Float32Array(11), n - 10), /outside tensor 'model\.layers\.1\.self_attn\.q_proj\.weight'/);
  const file = join(dir, 'model.safetensors');
  truncateSync(file, Math.floor(statSync(file).size / 2));
  await assert.rejects(
    source.readInto!(name, whole),
    (e: Error) => e instanceof ModelFileError && /model\.safetensors/.test(e.message) && /q_proj/.test(e.message),
  );
  const ex = executorFor(model);
  try {
    await assert.rejects(ex.run([[1, 2, 3]], { logits: 'last' }), ModelFileError);
  } finally {
    await ex.release();
  }
});
