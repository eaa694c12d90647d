// The GGUF container parser: metadata of every value type (arrays included) read back as written;
// tensor infos, alignment and the data offset as ggml computes them; and each kind of damage
// (truncation, lying lengths and counts, offsets out of bounds or overlapping, overflowing
// dimensions, unknown types, bad versions and alignments) refused with a ModelFileError that names
// the file and the key or tensor at fault.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memorySource } from '../../../../../src/analysis/io/gguf/byteSource';
import { parseGgufHeader, readGgufHeader } from '../../../../../src/analysis/io/gguf/ggufHeader';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { buildGguf, type GgufTensorSpec } from '../../../../fixtures/ggufWriter';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-hdr-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const T: GgufTensorSpec[] = [
  { name: 'a', type: 0, ne: [3, 2], values: [1, 2, 3, 4, 5, 6] },
  { name: 'b', type: 8, ne: [32], bytes: new Uint8Array(34) },
];

function parse(bytes: Uint8Array) {
  return parseGgufHeader('/x/m.gguf', memorySource(bytes));
}

async function rejects(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await assert.rejects(parse(bytes), (e: Error) => {
    assert.ok(e instanceof ModelFileError, `${e.name}: ${e.message}`);
    assert.match(e.message, /^m\.gguf: /);
    assert.match(e.message, pattern);
    return true;
  });
}

test('metadata of every value type reads back; tensors, alignment and data offset as ggml lays them out', async () => {
  const bytes = buildGguf(
    {
      u8: { type: 'u8', value: 200 },
      i8: { type: 'i8', value: -5 },
      u16: { type: 'u16', value: 60000 },
      i16: { type: 'i16', value: -30000 },
      u32: { type: 'u32', value: 4e9 },
      i32: { type: 'i32', value: -2e9 },
      f32: { type: 'f32', value: 0.5 },
      bool: { type: 'bool', value: true },
      str: { type: 'string', value: 'héllo' },
      u64: { type: 'u64', value: 2n ** 63n },
      i64: { type: 'i64', value: -7 },
      f64: { type: 'f64', value: Math.PI },
      arr: { type: 'array', itemType: 'string', items: ['a', 'bc', ''] },
      nums: { type: 'array', itemType: 'f32', items: [1, 2.5] },
      'general.alignment': { type: 'u32', value: 64 },
    },
    T,
    { alignment: 64 },
  );
  const h = await parse(bytes);
  const v = (k: string) => h.metadata.get(k)?.value;
  assert.deepEqual(['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'str', 'u64', 'i64', 'f64'].map(v), [
    200,
    -5,
    60000,
    -30000,
    4e9,
    -2e9,
    0.5,
    true,
    'héllo',
    2n ** 63n,
    -7,
    Math.PI,
  ]);
  assert.deepEqual(v('arr'), { itemType: 'string', length: 3, items: ['a', 'bc', ''] });
  assert.deepEqual(v('nums'), { itemType: 'f32', length: 2, items: [1, 2.5] });
  assert.equal(h.version, 3);
  assert.equal(h.alignment, 64);
  assert.equal(h.dataOffset % 64, 0);
  assert.deepEqual(
    h.tensors.map((t) => [t.name, t.ne, t.type.name, t.dataStart - h.dataOffset, t.byteLength]),
    [
      ['a', [3, 2], 'F32', 0, 24],
      ['b', [32], 'Q8_0', 64, 34],
    ],
  );
});

test('version 2 reads; version 1, unknown versions and big-endian files are refused by name', async () => {
  assert.equal((await parse(buildGguf({}, T, { version: 2 }))).version, 2);
  await rejects(buildGguf({}, T, { version: 1 }), /version 1, which ggml no longer reads/);
  await rejects(buildGguf({}, T, { version: 7 }), /version 7; Layer Lens reads versions 2 and 3/);
  await rejects(buildGguf({}, T, { version: 0x03000000 }), /big-endian/);
  await rejects(new TextEncoder().encode('GGML and more bytes'), /not a GGUF file/);
});

test('a truncated file: in the header, and in the tensor data', async () => {
  const good = buildGguf({ 'general.name': { type: 'string', value: 'model' } }, T);
  await rejects(good.subarray(0, 30), /the tensor count is 2, impossible for a file of 30 bytes/);
  await rejects(good.subarray(0, 120), /the file ends at byte 120, but .* of tensor 'b' needs \d+ bytes/);
  await rejects(good.subarray(0, good.length - 1), /tensor 'b' \(Q8_0, 34 bytes\) would end at byte \d+, past the end of the \d+-byte file/);
  // The same through openModel, from disk.
  const file = join(dir, 'cut.gguf');
  writeFileSync(file, good.subarray(0, good.length - 5));
  await assert.rejects(openModel(file), (e: Error) => e instanceof ModelFileError && /cut\.gguf: tensor 'b'/.test(e.message));
});

test('lying lengths and counts are refused before anything is allocated', async () => {
  const good = buildGguf({ k: { type: 'string', value: 'v' } }, T);
  const lie = (offset: number, value: bigint) => {
    const b = good.slice();
    new DataView(b.buffer).setBigUint64(offset, value, true);
    return b;
  };
  await rejects(lie(8, 2n ** 40n), /the tensor count is 1099511627776, impossible/);
  await rejects(lie(16, 2n ** 62n), /the key\/value count is \d+, impossible/);
  // Key length (at 24): longer than the file.
  await rejects(lie(24, 2n ** 50n), /the length of key 0 is \d+, more than the \d+ allowed|only \d+ bytes follow/);
  await rejects(lie(24, 10_000n), /the length of key 0 is 10000, but only \d+ bytes follow/);
  const arr = buildGguf({ toks: { type: 'array', itemType: 'string', items: ['a', 'b'] } }, T);
  const b = arr.slice();
  // array: key len 8 + 'toks' 4 + type 4 + item type 4 → count at 24 + 20.
  new DataView(b.buffer).setBigUint64(44, 2n ** 33n, true);
  await rejects(b, /the item count of 'toks' is 8589934592, but only \d+ bytes follow/);
});

test('tensor offsets out of bounds, misaligned or overlapping; overflowing dimensions; unknown types; bad rows', async () => {
  await rejects(buildGguf({}, [{ ...T[0], offset: 1n << 40n }]), /tensor 'a' \(F32, 24 bytes\) would end at byte \d+, past the end/);
  await rejects(buildGguf({}, [{ ...T[0], offset: 8n }]), /tensor 'a' starts at data offset 8, not a multiple of the alignment 32/);
  await rejects(buildGguf({}, [T[0], { ...T[1], offset: 0n }]), /tensors '(a|b)' and '(a|b)' overlap/);
  await rejects(
    buildGguf({}, [{ name: 'big', type: 0, ne: [2 ** 40, 2 ** 40], bytes: new Uint8Array(4) }]),
    /tensor 'big' has dimensions \[1099511627776, 1099511627776\], whose product overflows/,
  );
  await rejects(buildGguf({}, [{ name: 'odd', type: 4, ne: [32], bytes: new Uint8Array(18) }]), /tensor 'odd' has ggml type 4, which ggml does not define/);
  await rejects(
    buildGguf({}, [{ name: 'q', type: 12, ne: [100, 2], bytes: new Uint8Array(144) }]),
    /tensor 'q' is Q4_K with rows of 100 values, not a multiple of its block size 256/,
  );
  await rejects(buildGguf({}, [T[0], { ...T[0] }]), /tensor 'a' is listed twice/);
  await rejects(buildGguf({}, [{ name: 'x'.repeat(64), type: 0, ne: [1], values: [1] }]), /64 bytes long; ggml allows at most 63/);
  await rejects(buildGguf({}, [{ name: 'five', type: 0, ne: [1, 1, 1, 1, 1], values: [1] }]), /tensor 'five' has 5 dimensions/);
});

test('bad metadata: duplicate and empty keys, unknown value types, a non-u32 or non-power-of-two alignment', async () => {
  const dup = buildGguf({ k: { type: 'u8', value: 1 }, j: { type: 'u8', value: 1 } }, T);
  // Rename 'j' to 'k' (its key bytes follow the first pair: 8 + 1 + 4 + 1 bytes after byte 24).
  dup[24 + 14 + 8] = 'k'.charCodeAt(0);
  await rejects(dup, /the key 'k' appears twice/);
  const bad = buildGguf({ k: { type: 'u8', value: 1 } }, T);
  new DataView(bad.buffer).setInt32(24 + 9, 13, true);
  await rejects(bad, /'k' has value type 13, which GGUF does not define/);
  await rejects(buildGguf({ 'general.alignment': { type: 'u64', value: 32 } }, T), /'general.alignment' must be a u32, but it is u64/);
  await rejects(buildGguf({ 'general.alignment': { type: 'u32', value: 48 } }, T, { alignment: 48 }), /'general.alignment' is 48, not a power of two/);
  await rejects(buildGguf({ '': { type: 'u8', value: 1 } }, T), /key 0 is empty/);
});

test('a Git LFS pointer named .gguf says so', async () => {
  const file = join(dir, 'ptr.gguf');
  writeFileSync(file, 'version https://git-lfs.github.com/spec/v1\noid sha256:' + 'a'.repeat(64) + '\nsize 4000000000\n');
  await assert.rejects(readGgufHeader(file), (e: Error) => e instanceof ModelFileError && /Git LFS pointer/.test(e.message));
});
