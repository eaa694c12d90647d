// A kv_b rebuilt from attn_k_b and attn_v_b (test/fixtures/ggufDeepseek.ts's split layout) is named
// by both tensors wherever a matrix's tensor is named: the model summary's per-layer kinds, and the
// NaN/Inf flags of the weight reads (methods/common/checkedRead.ts), here with a NaN planted in
// attn_v_b, the tensor a name taken from `source.tensor` alone would leave out. An attn_kv_b file's
// kv_b keeps its one name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { summarize } from '../../../../../src/analysis/model/summary';
import { readKindChecked, scanRoleMatrices } from '../../../../../src/analysis/methods/common/checkedRead';
import { writeGgufDeepseek, type DeepseekGgufOptions } from '../../../../fixtures/ggufDeepseek';
import { oracleCase } from './ggufDeepseekModels';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-kvb-names-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const c = oracleCase('deepseek_v3');
const gguf = (name: string, opts: DeepseekGgufOptions) => openModel(writeGgufDeepseek(join(dir, `${name}.gguf`), c.config, c.weights, opts));

test('the model summary names both tensors of a rebuilt kv_b, and one of an attn_kv_b', async () => {
  const split = summarize(await gguf('split', { layout: 'split' }));
  const older = summarize(await gguf('older', { layout: 'kv_b' }));
  for (const l of [0, 1]) {
    const kv = split.layers[l].kinds!.find((k) => k.kind === 'kv_b')!;
    assert.equal(kv.tensor, `blk.${l}.attn_k_b.weight + blk.${l}.attn_v_b.weight`);
    assert.equal(older.layers[l].kinds!.find((k) => k.kind === 'kv_b')!.tensor, `blk.${l}.attn_kv_b.weight`);
    // The other kinds keep their single tensor.
    assert.equal(split.layers[l].kinds!.find((k) => k.kind === 'kv_a')!.tensor, `blk.${l}.attn_kv_a_mqa.weight`);
  }
});

test('a NaN in attn_v_b is flagged on kv_b naming attn_k_b and attn_v_b', async () => {
  const vb = 'blk.1.attn_v_b.weight';
  const model = await gguf('nan-vb', {
    layout: 'split',
    edit: (t) => {
      if (t.name !== vb) return t;
      const values = Float32Array.from(t.values!);
      values[3] = Number.NaN;
      values[5] = Number.POSITIVE_INFINITY;
      return { ...t, values };
    },
  });
  const { flag } = await readKindChecked(model, 1, 'kv_b');
  assert.ok(flag);
  assert.equal(flag.tensor, 'blk.1.attn_k_b.weight + blk.1.attn_v_b.weight');
  assert.equal(flag.summary, '1 NaN, 1 Inf in blk.1.attn_k_b.weight + blk.1.attn_v_b.weight');
  assert.equal((await readKindChecked(model, 0, 'kv_b')).flag, null);
  const flags = await scanRoleMatrices(model);
  assert.deepEqual(
    flags.map((f) => [f.layer, f.role, f.tensor]),
    [[1, 'kv_b', 'blk.1.attn_k_b.weight + blk.1.attn_v_b.weight']],
  );
});
