// The FP8 form of the 70B-shaped benchmark slice (test/fixtures/sparseLlama70B.ts, `fp8: true`), at a
// small shape with the same pattern logic: every layer matrix the reader returns equals, element for
// element, e4m3(stored byte) × the weight_scale_inv entry of its 128×128 block, with e4m3 taken from a
// table computed here from the format's definition (OCP 8-bit floating point, E4M3: sign, 4-bit
// exponent with bias 7, 3-bit mantissa, subnormals at exponent 0, no infinities, S.1111.111 NaN) and
// the bytes and scales read raw from the file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { readRoleMatrix, roleRef } from '../../../../src/analysis/model/readRole';
import { MATRIX_ROLES } from '../../../../src/analysis/model/types';
import { writeSparseLlama70BSlice } from '../../../fixtures/sparseLlama70B';

/** hidden 384 = 3 blocks; MLP 256 = 2 blocks; k/v [64, 384]: a partial row block. */
const DIMS = { hidden: 384, intermediate: 256, heads: 6, kvHeads: 1, vocab: 1000 };
const LAYERS = 2;

/** E4M3 value of each byte, from the definition. */
function e4m3Table(): Float64Array {
  const t = new Float64Array(256);
  for (let b = 0; b < 256; b++) {
    const sign = b & 0x80 ? -1 : 1;
    const exp = (b >> 3) & 0xf;
    const man = b & 7;
    if (exp === 0xf && man === 7) t[b] = NaN;
    else if (exp === 0) t[b] = sign * (man / 8) * 2 ** (1 - 7);
    else t[b] = sign * (1 + man / 8) * 2 ** (exp - 7);
  }
  return t;
}
const E4M3 = e4m3Table();

interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

let root = '';
let dir = '';
let tensors: Map<string, RawTensor>;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-fp8-slice-'));
  dir = (await writeSparseLlama70BSlice(join(root, 'fp8'), LAYERS, 3, { fp8: true, dims: DIMS })).dir;
  // The file read raw, header by hand: nothing of the reader is involved in the expected values.
  const file = new Uint8Array(await readFile(join(dir, 'model.safetensors')));
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  tensors = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.set(name, { dtype: t.dtype, shape: t.shape, bytes: file.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]) });
  }
});
after(() => rm(root, { recursive: true, force: true }));

test('the E4M3 table matches the format definition at its landmarks', () => {
  assert.equal(E4M3[0x7e], 448); // largest finite
  assert.equal(E4M3[0xfe], -448);
  assert.equal(E4M3[0x38], 1);
  assert.equal(E4M3[0xc0], -2);
  assert.equal(E4M3[0x08], 2 ** -6); // smallest normal
  assert.equal(E4M3[0x01], 2 ** -9); // smallest subnormal
  assert.equal(E4M3[0x07], 7 * 2 ** -9); // largest subnormal
  assert.ok(Number.isNaN(E4M3[0x7f]) && Number.isNaN(E4M3[0xff]));
});

test('FP8 slice: F8_E4M3 matrices with [⌈out/128⌉, ⌈in/128⌉] F32 scales that vary per block, no NaN codes, and the fine-grained FP8 config', async () => {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(config.quantization_config, { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic', weight_block_size: [128, 128] });
  assert.equal(config.num_hidden_layers, LAYERS);
  let matrices = 0;
  const codes = new Set<number>();
  for (const [name, t] of tensors) {
    if (!name.endsWith('_proj.weight')) continue;
    matrices++;
    assert.equal(t.dtype, 'F8_E4M3', name);
    for (const b of t.bytes) {
      assert.ok(b !== 0x7f && b !== 0xff, `${name} holds the NaN code ${b}`);
      codes.add(b);
    }
    const s = tensors.get(name + '_scale_inv');
    assert.ok(s, `${name} has no scale`);
    assert.equal(s.dtype, 'F32');
    assert.deepEqual(s.shape, [Math.ceil(t.shape[0] / 128), Math.ceil(t.shape[1] / 128)], name);
    const scales = new Float32Array(s.bytes.slice().buffer);
    if (scales.length > 1) assert.equal(new Set(scales).size, scales.length, `${name}: every block has its own scale`);
    for (const x of scales) assert.ok(x > 0.5 * 1.8e-4 * 0.99 && x < 2 * 1.8e-4 * 1.01, `${name}: scale ${x}`);
  }
  assert.equal(matrices, 7 * LAYERS);
  // A quantized normal spread over ±448 uses most of the 254 finite codes, both signs.
  assert.ok(codes.size > 150, `only ${codes.size} distinct codes`);
  assert.equal(tensors.get('model.embed_tokens.weight')!.dtype, 'BF16');
  assert.equal(tensors.get('lm_head.weight')!.dtype, 'BF16');
});

test('FP8 slice: every layer matrix reads as e4m3(byte) × its block scale, bit for bit', async () => {
  const model = await openModel(dir);
  for (let l = 0; l < LAYERS; l++) {
    for (const role of MATRIX_ROLES) {
      const name = roleRef(model, l, role).source.tensor;
      const w = tensors.get(name)!;
      const s = new Float32Array(tensors.get(name + '_scale_inv')!.bytes.slice().buffer);
      const [R, C] = w.shape;
      const sc = Math.ceil(C / 128);
      const m = await readRoleMatrix(model, l, role);
      assert.deepEqual([m.rows, m.cols], [R, C], `layer ${l} ${role}`);
      let bad = -1;
      for (let i = 0; i < R && bad < 0; i++)
        for (let j = 0; j < C; j++) {
          const want = Math.fround(E4M3[w.bytes[i * C + j]] * s[Math.floor(i / 128) * sc + Math.floor(j / 128)]);
          if (m.data[i * C + j] !== want) {
            bad = i * C + j;
            break;
          }
        }
      assert.equal(bad, -1, `layer ${l} ${role} (${name}): element ${bad} reads ${m.data[bad]}`);
    }
  }
});

test('the default slice is unchanged: BF16 matrices, no scales, no quantization_config', async () => {
  const plain = (await writeSparseLlama70BSlice(join(root, 'bf16'), 1, 3, { dims: DIMS })).dir;
  const model = await openModel(plain);
  const up = model.tensors.get('model.layers.0.mlp.up_proj.weight')!;
  assert.equal(up.dtype, 'BF16');
  assert.equal(model.tensors.has('model.layers.0.mlp.up_proj.weight_scale_inv'), false);
  const config = JSON.parse(await readFile(join(plain, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(config.quantization_config, undefined);
});
