// gpt-oss GGUF files with MXFP4 experts (type 39), as every released gpt-oss GGUF stores
// ffn_{gate,up,down}_exps, end to end: a small model whose experts are exactly representable in MXFP4
// (ggufGptOssMxfp4Model.ts) as the MXFP4 safetensors checkpoint, as float32 safetensors, and as the GGUF
// file convert_hf_to_gguf.py's GptOssModel writes from the checkpoint (blocks repacked by
// test/fixtures/ggufMxfp4.ts, written from ggml's block_mxfp4, not from Layer Lens's decoder):
// - every expert matrix read through the role map (what `layer-lens matrix` prints) has the bits of the
//   values computed from the codes and exponents, in all three files; the one difference is the E2M1
//   code 8, which transformers decodes as −0 (FP4_VALUES) and ggml as +0 (kvalues_mxfp4 is int8);
// - the GGUF forward's logits and expert choices equal the float32 and the MXFP4 safetensors models';
// - gate and up fused into ffn_gate_up_exps (--fuse-gate-up-exps) give the same logits;
// - a file whose blocks kept the checkpoint's nibble order (no transform_nibble_layout) reads other
//   values and gives other logits, so the comparisons above see the order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../../src/analysis/model/readRole';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { hfMxfp4Group } from '../../../../fixtures/ggufMxfp4';
import { maxAbsDiff } from '../../engine/random';
import { runFile } from './ggufRun';
import { GPT_OSS_MXFP4_DIMS as DIMS, gptOssMxfp4Case, writeF32Safetensors, writeGgufGptOss, writeMxfp4Safetensors } from './ggufGptOssMxfp4Model';

const IDS = [3, 17, 8, 29, 11, 0, 22, 5, 31];
const KINDS = ['gate', 'up', 'down'] as const;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-gptoss-mxfp4-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const c = gptOssMxfp4Case(1);

function bits(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** The values ggml decodes from an expert's blocks: its own, except code 8 (−0), which ggml's int8 kvalues_mxfp4 gives as +0. */
function ggmlValues(m: { codes: Uint8Array; values: Float32Array }): Float32Array {
  return m.values.map((v, i) => (m.codes[i] === 8 ? 0 : v));
}

/** The first index where `got` and `want` differ in their bits, or −1. */
function firstBitDifference(got: Float32Array, want: Float32Array): number {
  assert.equal(got.length, want.length);
  const a = bits(got),
    b = bits(want);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

test('the converter-written GGUF stores the experts as MXFP4 [E, out, in] and the role map sees all of them', async () => {
  const model = await openModel(writeGgufGptOss(join(dir, 'types.gguf'), c));
  const { D, E, F } = DIMS;
  for (let l = 0; l < DIMS.LAYERS; l++) {
    for (const [name, shape] of [
      ['ffn_gate_exps.weight', [E, F, D]],
      ['ffn_up_exps.weight', [E, F, D]],
      ['ffn_down_exps.weight', [E, D, F]],
    ] as const) {
      const t = model.tensors.get(`blk.${l}.${name}`)!;
      assert.equal(t.quant?.label, 'MXFP4', name);
      assert.deepEqual(t.shape, shape, name);
    }
    assert.equal(model.tensors.get(`blk.${l}.ffn_gate_exps.bias`)!.dtype, 'F32');
    assert.equal(model.layers[l].moe?.experts.length, E);
  }
  assert.equal(model.config!.model_type, 'gpt_oss');
  assert.deepEqual(model.notes ?? [], []);
});

test('expert matrices through the role map: the bits of the chosen values in the MXFP4 checkpoint, float32 and GGUF files', async () => {
  const mx = await openModel(await writeMxfp4Safetensors(join(dir, 'roles-mx'), c));
  const f32 = await openModel(await writeF32Safetensors(join(dir, 'roles-f32'), c));
  const gguf = await openModel(writeGgufGptOss(join(dir, 'roles.gguf'), c));
  let negZeros = 0,
    subnormals = 0;
  for (let l = 0; l < DIMS.LAYERS; l++)
    for (const kind of KINDS)
      for (let e = 0; e < DIMS.E; e++) {
        const want = c.layers[l][kind][e];
        const what = `layer ${l} expert ${e} ${kind}`;
        const read = async (m: ModelHandle) => (await readMatrixKind(m, l, kind, e)).data;
        assert.equal(firstBitDifference(await read(mx), want.values), -1, `${what}: MXFP4 safetensors`);
        assert.equal(firstBitDifference(await read(f32), want.values), -1, `${what}: float32 safetensors`);
        assert.equal(firstBitDifference(await read(gguf), ggmlValues(want)), -1, `${what}: GGUF`);
        negZeros += want.codes.filter((x) => x === 8).length;
        subnormals += want.values.filter((v) => v !== 0 && Math.abs(v) < 2 ** -126).length;
      }
  assert.ok(negZeros > 0 && subnormals > 0, `the experts hold −0 (${negZeros}) and subnormal values (${subnormals})`);
});

test('gpt-oss MXFP4 GGUF: logits and expert choices equal the float32 safetensors model (1e-5) and the MXFP4 checkpoint', async () => {
  const gguf = await runFile(writeGgufGptOss(join(dir, 'fwd.gguf'), c), IDS, { experts: true });
  const f32 = await runFile(await writeF32Safetensors(join(dir, 'fwd-f32'), c), IDS, { experts: true });
  const mx = await runFile(await writeMxfp4Safetensors(join(dir, 'fwd-mx'), c), IDS, { experts: true });
  assert.deepEqual(gguf.moe, f32.moe);
  const dF32 = maxAbsDiff(gguf.logits, f32.logits),
    dMx = maxAbsDiff(gguf.logits, mx.logits);
  assert.ok(dF32 < 1e-5, `GGUF vs float32 safetensors: max |Δlogit| = ${dF32}`);
  // The same float32 values go into the same graph (±0 aside), so the logits are the same numbers.
  assert.equal(dMx, 0, `GGUF vs MXFP4 safetensors: max |Δlogit| = ${dMx}`);
  assert.equal(maxAbsDiff(mx.logits, f32.logits), 0, 'the two safetensors forms run on the same values');
  gguf.selection.forEach((s, l) => {
    assert.deepEqual(s, f32.selection[l], `layer ${l} expert choice vs float32`);
    assert.deepEqual(s, mx.selection[l], `layer ${l} expert choice vs MXFP4`);
  });
  // The GGUF converted from the float32 checkpoint (F32 experts) runs the same model.
  const fromF32 = await runFile(writeGgufGptOss(join(dir, 'fwd-f32.gguf'), c, { mxfp4: false }), IDS);
  assert.ok(maxAbsDiff(gguf.logits, fromF32.logits) < 1e-5);
});

test('gpt-oss MXFP4 experts with gate and up fused into ffn_gate_up_exps (--fuse-gate-up-exps): the same logits', async () => {
  const path = writeGgufGptOss(join(dir, 'fused.gguf'), c, { fuseGateUp: true });
  const model = await openModel(path);
  const fused = model.tensors.get('blk.0.ffn_gate_up_exps.weight')!;
  assert.equal(fused.quant?.label, 'MXFP4');
  assert.deepEqual(fused.shape, [DIMS.E, 2 * DIMS.F, DIMS.D]);
  assert.equal(firstBitDifference((await readMatrixKind(model, 1, 'up', 3)).data, ggmlValues(c.layers[1].up[3])), -1);
  const a = await runFile(path, IDS);
  const b = await runFile(writeGgufGptOss(join(dir, 'unfused.gguf'), c), IDS);
  assert.ok(maxAbsDiff(a.logits, b.logits) < 1e-6, `max |Δlogit| = ${maxAbsDiff(a.logits, b.logits)}`);
});

test("a GGUF whose MXFP4 blocks kept the checkpoint's nibble order reads other values and gives other logits", async () => {
  // What a converter without transform_nibble_layout would write: each group's 16 bytes as the checkpoint has them.
  const path = writeGgufGptOss(join(dir, 'raw-nibbles.gguf'), c, {
    edit: (t) => {
      if (!/_exps\.weight$/.test(t.name) || !t.bytes) return t;
      const bytes = Uint8Array.from(t.bytes);
      for (let at = 0; at < bytes.length; at += 17) {
        const codes: number[] = [];
        for (let j = 0; j < 16; j++) codes[j] = bytes[at + 1 + j] & 15;
        for (let j = 0; j < 16; j++) codes[j + 16] = bytes[at + 1 + j] >> 4;
        bytes.set(hfMxfp4Group(codes), at + 1);
      }
      return { ...t, bytes };
    },
  });
  const wrong = await openModel(path);
  assert.notEqual(firstBitDifference((await readMatrixKind(wrong, 0, 'gate', 1)).data, c.layers[0].gate[1].values), -1);
  const bad = await runFile(path, IDS);
  const good = await runFile(await writeF32Safetensors(join(dir, 'nibbles-f32'), c), IDS);
  assert.ok(maxAbsDiff(bad.logits, good.logits) > 1e-3, `max |Δlogit| = ${maxAbsDiff(bad.logits, good.logits)}`);
});
