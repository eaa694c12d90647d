// The check that guards the analyses which run the model (activation, persistence, forward) covers
// every matrix a mixture-of-experts layer computes with: one NaN in a routed expert's up projection,
// or in the router, stops them with a message naming that matrix; a finite model passes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NonFiniteWeightsError, requireFiniteWeights } from '../../../../../src/analysis/methods/common/checkedRead';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { writeMoeFixture } from '../../../../fixtures/moeLayouts';
import type { TensorSpec } from '../../../../fixtures/safetensorsWriter';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-nonfinite-moe-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** The fixture with one value of tensor `name` replaced by `value`. */
function poison(name: string, value: number) {
  return (specs: TensorSpec[]) =>
    specs.map((s) => {
      if (s.name !== name) return s;
      const values = Float32Array.from(s.values as ArrayLike<number>);
      values[3] = value;
      return { ...s, values };
    });
}

test('a NaN in expert 2 of a Mixtral layer, or an Inf in its router, is found and named; the clean model passes', async () => {
  const clean = await writeMoeFixture(join(root, 'clean'), { arch: 'mixtral', seed: 3 });
  await requireFiniteWeights(await openModel(clean.dir), 'activation');
  const expert = 'model.layers.1.block_sparse_moe.experts.2.w3.weight';
  const bad = await writeMoeFixture(join(root, 'nan-expert'), { arch: 'mixtral', seed: 3, mutate: poison(expert, NaN) });
  await assert.rejects(requireFiniteWeights(await openModel(bad.dir), 'activation'), (e: unknown) => {
    assert.ok(e instanceof NonFiniteWeightsError);
    assert.equal(e.flags.length, 1);
    assert.equal(e.flags[0].layer, 1);
    assert.equal(e.flags[0].role, 'up e2');
    assert.match(e.message, new RegExp(expert.replace(/\./g, '\\.')));
    return true;
  });
  const router = 'model.layers.0.block_sparse_moe.gate.weight';
  const badRouter = await writeMoeFixture(join(root, 'inf-router'), { arch: 'mixtral', seed: 3, mutate: poison(router, Infinity) });
  await assert.rejects(requireFiniteWeights(await openModel(badRouter.dir), 'persistence'), (e: unknown) => {
    assert.ok(e instanceof NonFiniteWeightsError);
    assert.deepEqual(
      e.flags.map((f) => [f.layer, f.role]),
      [[0, 'router']],
    );
    return true;
  });
});
