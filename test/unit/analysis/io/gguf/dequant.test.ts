// GGUF block dequantization: every decodable block type read through the whole path (GGUF file →
// openModel → tensor reader → io/gguf/dequant.ts) must equal, bit for bit, the numpy references in
// test/oracles/gguf_quants.py and gguf_iq_quants.py (written from ggml's block definitions); ranges
// that cut blocks and chunks that split blocks must give the same values; the i-quant grid tables
// equal the ones the oracle reads; undecodable types are listed and refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeGgml } from '../../../../../src/analysis/io/gguf/dequant';
import { GGML_TYPES } from '../../../../../src/analysis/io/gguf/ggmlTypes';
import * as grids from '../../../../../src/analysis/io/gguf/iqGrids';
import { readAllF32, readElementsF32 } from '../../../../../src/analysis/io/tensorReader';
import type { PartReader } from '../../../../../src/analysis/io/quant/types';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { writeGguf } from '../../../../fixtures/ggufWriter';
import { REPO_ROOT } from '../../../../paths';

interface OracleType {
  id: number;
  ne: [number, number];
  bytes: string;
  bits: number[];
}
const readOracle = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles', name), 'utf8')) as { types: Record<string, OracleType> };
const oracle = { types: { ...readOracle('gguf_quants.json').types, ...readOracle('gguf_iq_quants.json').types } };

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-dq-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function bitsOf(values: Float32Array): number[] {
  return [...new Uint32Array(values.buffer, values.byteOffset, values.length)];
}

function firstMismatch(got: number[], want: number[]): string {
  const i = got.findIndex((b, k) => b !== want[k]);
  if (i < 0) return 'equal';
  const f = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0];
  return `value ${i}: got ${f(got[i])} (0x${got[i].toString(16)}), want ${f(want[i])} (0x${want[i].toString(16)})`;
}

test('the oracle covers every type Layer Lens decodes beyond the plain ones', () => {
  const blockTypes = GGML_TYPES.filter((t) => t.decodable && t.blockSize > 1).map((t) => t.name);
  assert.deepEqual([...blockTypes].sort(), Object.keys(oracle.types).sort());
});

test('the i-quant grid tables are the words of ggml-common.h the oracle reads, entry k = word k little-endian', () => {
  const json = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/gguf_iq_grids.json'), 'utf8')) as { tables: Record<string, string> };
  const cases: [string, Uint8Array | Int8Array, number][] = [
    ['ksigns_iq2xs', grids.KSIGNS_IQ2XS, 1],
    ['iq2xxs_grid', grids.IQ2XXS_GRID, 8],
    ['iq2xs_grid', grids.IQ2XS_GRID, 8],
    ['iq2s_grid', grids.IQ2S_GRID, 8],
    ['iq3xxs_grid', grids.IQ3XXS_GRID, 4],
    ['iq3s_grid', grids.IQ3S_GRID, 4],
    ['iq1s_grid', grids.IQ1S_GRID, 8],
  ];
  for (const [name, table, width] of cases) {
    const words = json.tables[name].split(' ').map((w) => BigInt(`0x${w}`));
    assert.equal(table.length, words.length * width, name);
    const got = words.map((_, k) => {
      let v = 0n;
      for (let j = width - 1; j >= 0; j--) v = (v << 8n) | BigInt(table[k * width + j] & 0xff);
      return v;
    });
    assert.deepEqual(got, words, name);
  }
  // Spot values from ggml-common.h: iq2xxs_grid[1] = 0x080808080808082b, iq1s_grid[1] = 0xffffffffffffff01.
  assert.deepEqual([...grids.IQ2XXS_GRID.subarray(8, 16)], [0x2b, 8, 8, 8, 8, 8, 8, 8]);
  assert.deepEqual([...grids.IQ1S_GRID.subarray(8, 16)], [1, -1, -1, -1, -1, -1, -1, -1]);
});

for (const [name, t] of Object.entries(oracle.types)) {
  test(`${name}: every value bit-exact against the numpy reference, whole tensor and cut ranges`, async () => {
    const file = join(dir, `${name}.gguf`);
    writeGguf(file, { 'general.architecture': { type: 'string', value: 'llama' } }, [
      { name: 'w.weight', type: t.id, ne: t.ne, bytes: new Uint8Array(Buffer.from(t.bytes, 'hex')) },
    ]);
    const model = await openModel(file);
    const entry = model.tensors.get('w.weight')!;
    assert.deepEqual(entry.shape, [t.ne[1], t.ne[0]]);
    assert.equal(entry.quant?.label, name);
    const all = await readAllF32(entry);
    assert.equal(firstMismatch(bitsOf(all), t.bits), 'equal');
    // A range starting and ending inside blocks (not whole rows), and a single value.
    const n = t.bits.length;
    for (const [first, count] of [
      [5, n - 13],
      [t.ne[0] - 1, 3],
      [n - 1, 1],
      [17, 0],
    ]) {
      const part = await readElementsF32(entry, first, count);
      assert.equal(firstMismatch(bitsOf(part), t.bits.slice(first, first + count)), 'equal', `elements ${first}…${first + count}`);
    }
  });
}

test('blocks split across the chunks the reader hands over decode the same', async () => {
  const t = oracle.types.Q6_K;
  const raw = new Uint8Array(Buffer.from(t.bytes, 'hex'));
  const part = { name: 'p', dtype: 'U8' as const, shape: [raw.length], file: '', dataStart: 0, byteLength: raw.length };
  const entry = {
    name: 'w',
    dtype: 'F32' as const,
    shape: [t.ne[1], t.ne[0]],
    file: '',
    dataStart: 0,
    byteLength: raw.length,
    quant: { scheme: 'ggml', label: 'Q6_K', params: { type: t.id }, parts: [part] },
  };
  for (const step of [1, 7, 100, 209, 211, 500]) {
    const reader: PartReader = {
      elementsF32: () => Promise.reject(new Error('not used')),
      bytesInto: () => Promise.reject(new Error('not used')),
      rawChunks: async (_p, first, count, _o, consume) => {
        for (let o = 0; o < count; o += step) await consume(raw.subarray(first + o, first + Math.min(count, o + step)), first + o, Math.min(step, count - o));
      },
    };
    const got = await decodeGgml(entry, 3, t.bits.length - 3, {}, reader);
    assert.equal(firstMismatch(bitsOf(got), t.bits.slice(3)), 'equal', `chunks of ${step} bytes`);
  }
});

test('F16, BF16 and F32 GGUF tensors read as plain tensors; an undecodable type is listed, its reads refused by name', async () => {
  const file = join(dir, 'plain.gguf');
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff]).buffer); // 1, -2, 2^-24, 65504
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0x4040, 0xbf00, 0x0000]).buffer); // 1, 3, -0.5, 0
  const nvfp4 = new Uint8Array(36); // one NVFP4 block
  writeGguf(file, { 'general.architecture': { type: 'string', value: 'llama' } }, [
    { name: 'a', type: 1, ne: [4], bytes: f16 },
    { name: 'b', type: 30, ne: [2, 2], bytes: bf16 },
    { name: 'c', type: 0, ne: [3], values: [1.5, -2.25, 1e-30] },
    { name: 'd', type: 40, ne: [64], bytes: nvfp4 },
  ]);
  const model = await openModel(file);
  assert.deepEqual([...(await readAllF32(model.tensors.get('a')!))], [1, -2, 2 ** -24, 65504]);
  assert.deepEqual(model.tensors.get('b')!.shape, [2, 2]);
  assert.deepEqual([...(await readAllF32(model.tensors.get('b')!))], [1, 3, -0.5, 0]);
  assert.deepEqual([...(await readAllF32(model.tensors.get('c')!))], [1.5, -2.25, Math.fround(1e-30)]);
  const d = model.tensors.get('d')!;
  assert.equal(d.quant?.label, 'NVFP4');
  assert.equal(d.quant?.decodable, false);
  await assert.rejects(readAllF32(d), /tensor 'd' is stored as NVFP4, which Layer Lens cannot decode/);
  assert.ok(model.notes?.some((n) => /NVFP4/.test(n)));
});
