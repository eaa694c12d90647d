// Every dtype the safetensors format defines opens: a header naming each one parses with the
// reference's byte length (elements · bits / 8, sub-byte types packed), the model opens and lists
// every tensor with its dtype, decodable tensors read back through the chunked reader exactly as the
// decoder gives them, and C64/F6 tensors are listed but refuse value reads and statistics by name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeToF32, DTYPE_BITS, DTYPES, isDecodable, NotDecodableError, type DType } from '../../../../src/analysis/io/dtypes';
import { readSafetensorsHeader, SafetensorsError } from '../../../../src/analysis/io/safetensors';
import { forEachRawChunk, readAllF32, readElementsF32, streamF32 } from '../../../../src/analysis/io/tensorReader';
import { openModel } from '../../../../src/analysis/model/openModel';
import { summarize, tensorStats } from '../../../../src/analysis/model/summary';
import { ModelFileError } from '../../../../src/analysis/io/modelFileError';
import { mulberry32 } from '../../../fixtures/prng';
import { rawSafetensors, writeSafetensors, type TensorSpec } from '../../../fixtures/safetensorsWriter';

let root = '';
let file = '';
const SHAPE = [4, 10]; // 40 values: a whole number of bytes for every width (F4 20 bytes, F6 30 bytes)
const specs: TensorSpec[] = [];

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-dtypes-'));
  file = join(root, 'all.safetensors');
  const rand = mulberry32(21);
  // A 1-byte tensor first puts every later tensor at an odd file offset.
  specs.push({ name: 'pad', dtype: 'U8', shape: [1], bytes: new Uint8Array([7]) });
  for (const dtype of DTYPES) {
    const bytes = new Uint8Array((40 * DTYPE_BITS[dtype]) / 8);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
    specs.push({ name: `t_${dtype}`, dtype, shape: SHAPE, bytes });
  }
  await writeSafetensors(file, specs);
});
after(() => rm(root, { recursive: true, force: true }));

test('a header naming every format dtype parses, each tensor elements · bits / 8 bytes long', async () => {
  const h = await readSafetensorsHeader(file);
  assert.equal(h.tensors.length, DTYPES.length + 1);
  for (const dtype of DTYPES) {
    const t = h.tensors.find((e) => e.name === `t_${dtype}`)!;
    assert.equal(t.dtype, dtype);
    assert.equal(t.byteLength, (40 * DTYPE_BITS[dtype]) / 8, dtype);
  }
});

test('the model opens and its summary lists every tensor with its dtype', async () => {
  const model = await openModel(file);
  const s = summarize(model);
  const json = JSON.stringify(s);
  for (const dtype of DTYPES) assert.ok(json.includes(`"t_${dtype}"`), `t_${dtype} listed`);
  for (const dtype of DTYPES) assert.equal(model.tensors.get(`t_${dtype}`)!.dtype, dtype);
});

test('decodable tensors read back, whole and in 8-byte chunks, exactly as the decoder gives them', async () => {
  const h = await readSafetensorsHeader(file);
  for (const spec of specs.slice(1)) {
    const t = h.tensors.find((e) => e.name === spec.name)!;
    if (!isDecodable(spec.dtype)) continue;
    const want = decodeToF32(spec.dtype, spec.bytes!);
    assert.equal(want.length, 40);
    assert.ok(sameBits(await readAllF32(t), want), `${spec.dtype} whole`);
    assert.ok(sameBits(await readAllF32(t, { chunkBytes: 8 }), want), `${spec.dtype} chunked`);
    const streamed = new Float32Array(40);
    await streamF32(t, { chunkBytes: 8 }, (v, first) => streamed.set(v, first));
    assert.ok(sameBits(streamed, want), `${spec.dtype} streamed`);
    // Rows 1..3 of [4, 10]: for F4 this starts at byte 5, mid-tensor.
    assert.ok(sameBits(await readElementsF32(t, 10, 20), want.subarray(10, 30)), `${spec.dtype} rows`);
  }
});

test('a packed F4 read must start and end on a byte boundary', async () => {
  const h = await readSafetensorsHeader(file);
  const t = h.tensors.find((e) => e.name === 't_F4')!;
  await assert.rejects(readElementsF32(t, 3, 4), /do not start and end on byte boundaries \(4-bit values are packed\)/);
  await assert.rejects(readElementsF32(t, 2, 5), /byte boundaries/);
});

test('C64 and F6 tensors: raw bytes read, values and statistics refused naming the tensor and dtype', async () => {
  const model = await openModel(file);
  for (const dtype of ['C64', 'F6_E2M3', 'F6_E3M2'] as DType[]) {
    const t = model.tensors.get(`t_${dtype}`)!;
    const check = (e: unknown) => e instanceof NotDecodableError && e.message.includes(`tensor 't_${dtype}' is ${dtype}, which is not decodable`);
    await assert.rejects(readAllF32(t), check);
    await assert.rejects(
      streamF32(t, {}, () => undefined),
      check,
    );
    await assert.rejects(tensorStats(model, `t_${dtype}`), check);
    // The bytes themselves are still there to be read (as they are for every tensor).
    const raw: number[] = [];
    await forEachRawChunk(t, 0, 40, { chunkBytes: 8 }, (b) => {
      raw.push(...b);
    });
    assert.deepEqual(raw, [...specs.find((s) => s.name === `t_${dtype}`)!.bytes!]);
  }
});

test('one F8_E8M0 scale no longer refuses the file: it opens and its statistics are the decoded scales', async () => {
  const p = join(root, 'scale.safetensors');
  await writeSafetensors(p, [
    { name: 'w', dtype: 'F32', shape: [2], values: [1, 2] },
    { name: 'a_scale', dtype: 'F8_E8M0', shape: [4], bytes: new Uint8Array([127, 128, 120, 0xff]) },
  ]);
  const model = await openModel(p);
  const st = await tensorStats(model, 'a_scale');
  assert.equal(st.dtype, 'F8_E8M0');
  assert.equal(st.count, 4);
  assert.equal(st.nanCount, 1);
  assert.equal(st.min, 2 ** -7);
  assert.equal(st.max, 2);
});

test('a sub-byte tensor whose values end mid-byte is refused, as the reference refuses it', async () => {
  const cases: [DType, number[], number, RegExp][] = [
    ['F4', [3], 2, /tensor 'x' is F4 of shape \[3\]: 3 values of 4 bits do not fill a whole number of bytes/],
    ['F6_E2M3', [2, 3], 5, /6 values of 6 bits do not fill a whole number of bytes/],
    ['F4', [4], 3, /needs 2 bytes, but its data_offsets \[0, 3\] span 3 bytes/],
  ];
  for (const [dtype, shape, bytes, message] of cases) {
    const p = join(root, `bad-${dtype}-${bytes}.safetensors`);
    await writeFile(p, rawSafetensors({ x: { dtype, shape, data_offsets: [0, bytes] } }, new Uint8Array(bytes)));
    await assert.rejects(readSafetensorsHeader(p), (e: unknown) => e instanceof SafetensorsError && e instanceof ModelFileError && message.test(e.message));
  }
});
