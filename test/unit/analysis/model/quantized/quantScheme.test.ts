// The quantization summary of the overview and `layer-lens inspect`: method and parameters from
// quantization_config, counts and labels from the weights, for GPTQ, AWQ, compressed-tensors,
// bitsandbytes, a damaged weight, FP8 block scales (deepseek_v3_fp8 fixture) and gpt-oss MXFP4;
// absent for a plain checkpoint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overviewText } from '../../../../../src/analysis/cli/overviewText';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { modelOverview } from '../../../../../src/analysis/model/overview';
import { quantScheme } from '../../../../../src/analysis/model/quantScheme';
import { writeMoeFixture } from '../../../../fixtures/moeLayouts';
import type { TensorSpec } from '../../../../fixtures/safetensorsWriter';
import { ORACLE, writeCase } from '../../io/quant/quantFixture';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-qscheme-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function schemeOf(name: string, edit?: (specs: TensorSpec[]) => TensorSpec[]) {
  const dir = join(root, name + (edit ? '-edited' : ''));
  await writeCase(dir, ORACLE.cases[name], { edit });
  return openModel(dir);
}

test('GPTQ: method, bits, group size and format from the config; one weight with its label', async () => {
  const model = await schemeOf('gptq_llama');
  assert.deepEqual(quantScheme(model), { method: 'gptq', bits: 4, groupSize: 32, format: 'gptq', tensors: 14, labels: ['GPTQ int4 g32'] });
  const text = overviewText(modelOverview(model));
  assert.match(
    text,
    /\nQuantization\n {2}method {6}GPTQ\n {2}bits {8}4\n {2}group size {2}32\n {2}format {6}gptq\n {2}weights {5}14 stored quantized \(GPTQ int4 g32\)\n/,
  );
});

test('AWQ, compressed-tensors and bitsandbytes', async () => {
  assert.deepEqual(quantScheme(await schemeOf('awq_int4_g32')), {
    method: 'awq',
    bits: 4,
    groupSize: 32,
    format: 'gemm',
    tensors: 1,
    labels: ['AWQ int4 g32'],
  });
  assert.deepEqual(quantScheme(await schemeOf('ct_int4_g32_asym_bf16')), {
    method: 'compressed-tensors',
    bits: 4,
    groupSize: 32,
    format: 'pack-quantized',
    tensors: 1,
    labels: ['CT int4 g32'],
  });
  assert.deepEqual(quantScheme(await schemeOf('bnb_fp4_nested_f16')), {
    method: 'bitsandbytes',
    bits: 4,
    blockSize: [64],
    format: 'fp4',
    tensors: 1,
    labels: ['FP4 b64 dq'],
  });
});

test('a weight that cannot be decoded is counted', async () => {
  const model = await schemeOf('awq_int4_g32', (s) => s.filter((t) => !t.name.endsWith('.qzeros')));
  assert.equal(quantScheme(model)?.notDecodable, 1);
  assert.match(overviewText(modelOverview(model)), /not decodable +1 \(see the notes\)/);
});

test('FP8 block scales and MXFP4 experts, which the architecture maps decode', async () => {
  const fp8 = await writeMoeFixture(join(root, 'ds'), { arch: 'deepseek_v3_fp8' });
  const s = quantScheme(await openModel(fp8.dir));
  assert.equal(s?.method, 'fp8');
  assert.ok(s.tensors > 0);
  assert.ok(
    s.labels.every((l) => l.startsWith('FP8 block')),
    s.labels.join(),
  );
  const mx = await writeMoeFixture(join(root, 'oss'), { arch: 'gpt_oss_mxfp4' });
  const m = quantScheme(await openModel(mx.dir));
  assert.equal(m?.method, 'mxfp4');
  assert.deepEqual(m.labels, ['MXFP4']);
  assert.equal(m.bits, 4);
});

test('a plain checkpoint has no quantization section', async () => {
  const dir = join(root, 'plain');
  await writeCase(
    dir,
    { config: {}, tensors: {}, weights: {} },
    { extra: [{ name: 'model.norm.weight', dtype: 'F32', shape: [2], values: [1, 2] }], config: null },
  );
  const model = await openModel(dir);
  assert.equal(quantScheme(model), undefined);
  assert.equal(modelOverview(model).quantization, undefined);
  assert.doesNotMatch(overviewText(modelOverview(model)), /Quantization/);
});
