// A Llama-shaped two-layer GPTQ checkpoint (int4, g32, act-order g_idx, every projection packed):
// the role map finds q/k/v/o/gate/up/down of both layers as decoded `[out, in]` matrices equal bit
// for bit to test/oracles/quant_pack.py's dequantized weights, the overview lists one row per
// weight with its storage label, and tensorStats of a quantized weight equals statistics computed
// here from the oracle's values (float64 sums: mean and std agree to 1e-12 relative).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelOverview } from '../../../../../src/analysis/model/overview';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../../src/analysis/model/readRole';
import { tensorStats } from '../../../../../src/analysis/model/summary';
import { MATRIX_ROLES, type ModelHandle } from '../../../../../src/analysis/model/types';
import { bits, expected, ORACLE, writeCase } from '../../io/quant/quantFixture';

const MODULE = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
} as const;
const c = ORACLE.cases.gptq_llama;
let root = '';
let model: ModelHandle;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-gptq-llama-'));
  const plain = (name: string, shape: number[], v: (i: number) => number) => ({
    name,
    dtype: 'F32' as const,
    shape,
    values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => v(i)),
  });
  await writeCase(root, c, {
    extra: [
      plain('model.embed_tokens.weight', [16, 32], (i) => Math.sin(i)),
      plain('lm_head.weight', [16, 32], (i) => Math.cos(i)),
      plain('model.norm.weight', [32], () => 1),
      ...[0, 1].flatMap((l) => [
        plain(`model.layers.${l}.input_layernorm.weight`, [32], () => 1),
        plain(`model.layers.${l}.post_attention_layernorm.weight`, [32], () => 1),
      ]),
    ],
  });
  model = await openModel(root);
});
after(() => rm(root, { recursive: true, force: true }));

test('the role map finds all seven projections of both layers, decoded bit for bit', async () => {
  assert.equal(model.architecture, 'llama');
  assert.equal(model.layers.length, 2);
  for (const l of [0, 1])
    for (const role of MATRIX_ROLES) {
      const m = await readMatrixKind(model, l, role);
      const name = `model.layers.${l}.${MODULE[role]}.weight`;
      assert.deepEqual([m.rows, m.cols], c.weights[name].shape, name);
      assert.deepEqual(bits(m.data), bits(expected(c, name)), name);
    }
});

test('the overview lists one row per quantized weight, with its storage label as the dtype', () => {
  const o = modelOverview(model);
  const rows = o.groups.flatMap((g) => g.tensors);
  const q = rows.find((r) => r.name === 'model.layers.1.mlp.down_proj.weight');
  assert.ok(q);
  assert.equal(q.dtype, 'GPTQ int4 g32');
  assert.equal(q.role, 'down');
  assert.deepEqual(q.shape, [32, 64]);
  assert.equal(rows.filter((r) => /qweight|qzeros|scales|g_idx/.test(r.name)).length, 0);
});

test('tensorStats of a quantized weight are those of its dequantized values', async () => {
  const name = 'model.layers.0.mlp.gate_proj.weight';
  const s = await tensorStats(model, name, { chunkBytes: 4 * 32 * 5 });
  const v = expected(c, name);
  let sum = 0;
  let abs = 0;
  let zeros = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    abs += Math.abs(x);
    if (x === 0) zeros++;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  assert.equal(s.storage, 'GPTQ int4 g32');
  assert.equal(s.count, v.length);
  assert.equal(s.min, min);
  assert.equal(s.max, max);
  assert.ok(Math.abs(s.mean! - mean) <= 1e-12 * Math.max(1e-3, Math.abs(mean)), `mean ${s.mean} vs ${mean}`);
  assert.ok(Math.abs(s.std! - Math.sqrt(ss / v.length)) <= 1e-9 * Math.sqrt(ss / v.length));
  assert.ok(Math.abs(s.absMean! - abs / v.length) <= 1e-12);
  assert.equal(s.zeroFraction, zeros / v.length);
  assert.equal(
    s.histogram.counts.reduce((a, b) => a + b, 0),
    v.length,
  );
});
