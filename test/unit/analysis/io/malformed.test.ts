// Damaged and hostile files: each must be refused with a message that says what is wrong (checked
// by pattern), without a crash or a hang (every test has a timeout), and shard names from an index
// must never reach outside the model folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsHeader, SafetensorsError } from '../../../../src/analysis/io/safetensors';
import { openModel } from '../../../../src/analysis/model/openModel';
import { readTensorF32 } from '../../../../src/analysis/model/readRole';
import { buildSafetensors, rawSafetensors } from '../../../fixtures/safetensorsWriter';
import { writeFixtureModel } from '../../../fixtures/makeModel';
import { mulberry32 } from '../../../fixtures/prng';

let root = '';
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-bad-'));
});
after(() => rm(root, { recursive: true, force: true }));

const T = { timeout: 10_000 };

async function fileWith(bytes: Uint8Array): Promise<string> {
  const p = join(root, `f${n++}.safetensors`);
  await writeFile(p, bytes);
  return p;
}

const valid = () =>
  buildSafetensors([
    { name: 'a', dtype: 'F32', shape: [2, 3], values: [1, 2, 3, 4, 5, 6] },
    { name: 'b', dtype: 'BF16', shape: [4], values: [1, -1, 0.5, 2] },
  ]);

async function rejects(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const p = await fileWith(bytes);
  await assert.rejects(readSafetensorsHeader(p), (e: Error) => {
    assert.ok(e instanceof SafetensorsError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
  // The same message reaches a user opening the file.
  await assert.rejects(openModel(p), pattern);
}

const entry = (dtype: string, shape: number[], offsets: number[]) => ({ dtype, shape, data_offsets: offsets });

test('a valid file parses: offsets absolute, dtype and shape kept', T, async () => {
  const h = await readSafetensorsHeader(await fileWith(valid()));
  assert.deepEqual(
    h.tensors.map((t) => [t.name, t.dtype, t.shape, t.dataStart - h.dataStart, t.byteLength]),
    [
      ['a', 'F32', [2, 3], 0, 24],
      ['b', 'BF16', [4], 24, 8],
    ],
  );
});

test('truncated data: the last tensor runs past the end of the file', T, async () => {
  const b = valid();
  await rejects(b.subarray(0, b.byteLength - 3), /tensor 'b' occupies data bytes 24\.\.32 but the file holds only 29 data bytes; the file is truncated/);
});

test('truncated before the header length ends', T, async () => {
  await rejects(valid().subarray(0, 5), /the file is 5 bytes long, too short to be a safetensors file/);
  await rejects(new Uint8Array(0), /the file is 0 bytes long/);
});

test('header length beyond the end of the file', T, async () => {
  const b = valid();
  await rejects(b.subarray(0, 40), /the header length is \d+ bytes but the file holds only 32 bytes after the length field; the file is truncated/);
  await rejects(rawSafetensors('{}', new Uint8Array(0), 1000n), /the header length is 1000 bytes but the file holds only 2 bytes/);
});

test('header length over 100 MB (including a u64 that does not fit a double) is refused before allocating', T, async () => {
  await rejects(rawSafetensors('{}', new Uint8Array(0), 100_000_001n), /claims 100000001 bytes, more than the 100000000-byte limit/);
  await rejects(rawSafetensors('{}', new Uint8Array(0), 2n ** 63n + 5n), /claims 9223372036854775813 bytes, more than the 100000000-byte limit/);
});

test('invalid JSON, invalid UTF-8, and JSON that is not an object', T, async () => {
  await rejects(rawSafetensors('{"a": {"dtype": "F32", '), /the header is not valid JSON/);
  await rejects(rawSafetensors(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /the header is not valid UTF-8/);
  await rejects(rawSafetensors('[1, 2]'), /must be a JSON object .* but it is an array/);
  await rejects(rawSafetensors('null'), /but it is null/);
  await rejects(rawSafetensors('"model"'), /but it is a string/);
  await rejects(rawSafetensors({ a: 5 }), /tensor 'a' must be described by an object/);
  await rejects(rawSafetensors({ __metadata__: { format: 3 } }), /"__metadata__" entry 'format' must be a string/);
});

test('offsets out of range, reversed, malformed', T, async () => {
  await rejects(
    rawSafetensors({ w: entry('F32', [250], [0, 1000]) }, new Uint8Array(16)),
    /tensor 'w' occupies data bytes 0\.\.1000 but the file holds only 16 data bytes/,
  );
  await rejects(rawSafetensors({ w: entry('F32', [0], [8, 4]) }, new Uint8Array(16)), /data_offsets \[8, 4\] that end before they begin/);
  await rejects(rawSafetensors({ w: entry('F32', [1], [0]) }, new Uint8Array(16)), /invalid data_offsets \[0\]/);
  await rejects(rawSafetensors({ w: entry('F32', [1], [-4, 0]) }, new Uint8Array(16)), /invalid data_offsets \[-4,0\]/);
});

test('overlapping tensors', T, async () => {
  await rejects(
    rawSafetensors({ x: entry('F32', [2], [0, 8]), y: entry('F32', [2], [4, 12]) }, new Uint8Array(16)),
    /tensors 'x' \(data bytes 0\.\.8\) and 'y' \(data bytes 4\.\.12\) overlap/,
  );
  await rejects(rawSafetensors({ x: entry('F32', [4], [0, 16]), y: entry('F32', [1], [4, 8]) }, new Uint8Array(16)), /overlap/);
});

test('byte span that does not match dtype × shape', T, async () => {
  await rejects(
    rawSafetensors({ w: entry('F32', [2, 2], [0, 8]) }, new Uint8Array(16)),
    /tensor 'w' is F32 of shape \[2, 2\], which needs 16 bytes, but its data_offsets \[0, 8\] span 8 bytes/,
  );
  await rejects(rawSafetensors({ w: entry('BF16', [3], [0, 8]) }, new Uint8Array(16)), /needs 6 bytes/);
});

test('unknown dtype and invalid shapes', T, async () => {
  await rejects(rawSafetensors({ w: entry('F12', [2], [0, 8]) }, new Uint8Array(8)), /tensor 'w' has unknown dtype "F12" \(known: F64, F32, F16, BF16/);
  await rejects(rawSafetensors({ w: entry('F32', [-2], [0, 8]) }, new Uint8Array(8)), /invalid shape \[-2\]/);
  await rejects(rawSafetensors({ w: entry('F32', [1.5], [0, 8]) }, new Uint8Array(8)), /invalid shape \[1.5\]/);
});

test('a file cut short after it was opened: the read fails with a message, no hang', T, async () => {
  const p = await fileWith(buildSafetensors([{ name: 'w', dtype: 'BF16', shape: [64, 64], values: new Float32Array(4096).fill(1) }]));
  const model = await openModel(p);
  await truncate(p, 1000);
  await assert.rejects(
    readTensorF32(model, 'w'),
    /the file is now 1000 bytes long but tensor 'w' ends at byte \d+; it was truncated or rewritten since it was opened: reload the model/,
  );
});

test('random corruption of a valid file never crashes: each outcome is a parse or a clear Error', T, async () => {
  const rand = mulberry32(11);
  const base = valid();
  const p = join(root, 'fuzz.safetensors');
  for (let i = 0; i < 300; i++) {
    const b = Uint8Array.from(base);
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips; k++) b[Math.floor(rand() * Math.min(b.byteLength, 8 + 120))] = Math.floor(rand() * 256);
    await writeFile(p, rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.byteLength)) : b);
    try {
      await readSafetensorsHeader(p);
    } catch (e) {
      assert.ok(e instanceof SafetensorsError, `case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
});

async function folderWith(index: unknown, shards: Record<string, Uint8Array> = {}): Promise<string> {
  const dir = join(root, `dir${n++}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.safetensors.index.json'), typeof index === 'string' ? index : JSON.stringify(index));
  for (const [name, bytes] of Object.entries(shards)) await writeFile(join(dir, name), bytes);
  return dir;
}

test("shard path '../../x', an absolute path, or a missing shard is refused before reading", T, async () => {
  const outside = join(root, 'outside.safetensors');
  await writeFile(outside, valid());
  const inner = await folderWith({ weight_map: { a: '../outside.safetensors' } });
  await assert.rejects(
    openModel(inner),
    /model.safetensors.index.json: shard "\.\.\/outside\.safetensors" resolves outside the model folder; refusing to read it/,
  );
  await assert.rejects(openModel(await folderWith({ weight_map: { a: '../../x' } })), /shard "\.\.\/\.\.\/x" resolves outside the model folder/);
  await assert.rejects(openModel(await folderWith({ weight_map: { a: 'sub/../../x.safetensors' } })), /resolves outside the model folder/);
  await assert.rejects(openModel(await folderWith({ weight_map: { a: outside } })), /is an absolute path; shards must be files inside the model folder/);
  await assert.rejects(
    openModel(await folderWith({ weight_map: { a: 'gone.safetensors' } })),
    /shard "gone\.safetensors" is listed but missing from the model folder/,
  );
});

test('a Hugging Face cache snapshot (shards are symlinks into ../../blobs) opens: only index names are untrusted', T, async () => {
  const cache = join(root, 'hub', 'models--x');
  await mkdir(join(cache, 'blobs'), { recursive: true });
  await mkdir(join(cache, 'snapshots', 'abc'), { recursive: true });
  await writeFile(join(cache, 'blobs', '1234'), valid());
  await symlink('../../blobs/1234', join(cache, 'snapshots', 'abc', 'model-00001-of-00001.safetensors'));
  await writeFile(
    join(cache, 'snapshots', 'abc', 'model.safetensors.index.json'),
    JSON.stringify({ weight_map: { a: 'model-00001-of-00001.safetensors', b: 'model-00001-of-00001.safetensors' } }),
  );
  const model = await openModel(join(cache, 'snapshots', 'abc'));
  assert.deepEqual([...model.tensors.keys()], ['a', 'b']);
  assert.deepEqual([...(await readTensorF32(model, 'a'))], [1, 2, 3, 4, 5, 6]);
});

test('index problems: invalid JSON, no weight_map, a tensor not where the index says', T, async () => {
  await assert.rejects(openModel(await folderWith('{"weight_map": ')), /model.safetensors.index.json is not valid JSON/);
  await assert.rejects(openModel(await folderWith({ metadata: {} })), /has no "weight_map" object/);
  await assert.rejects(openModel(await folderWith({ weight_map: { a: 7 } })), /the shard of tensor 'a' must be a file name, got 7/);
  await assert.rejects(
    openModel(await folderWith({ weight_map: { zz: 's1.safetensors' } }, { 's1.safetensors': valid() })),
    /puts tensor 'zz' in s1\.safetensors, but no shard holds it/,
  );
  await assert.rejects(
    openModel(await folderWith({ weight_map: { a: 's1.safetensors', b: 's2.safetensors' } }, { 's1.safetensors': valid(), 's2.safetensors': valid() })),
    /tensor 'a' is stored twice, in s1\.safetensors and s2\.safetensors/,
  );
});

test('folders and paths that are not models', T, async () => {
  await assert.rejects(openModel(join(root, 'no-such-thing')), /No such file or folder: .*no-such-thing/);
  const dir = join(root, 'pt-only');
  await mkdir(dir);
  await writeFile(join(dir, 'pytorch_model.bin'), 'x');
  await assert.rejects(openModel(dir), /has no \.safetensors weights\. It holds pytorch_model\.bin: Layer Lens reads safetensors and GGUF/);
  const fx = await writeFixtureModel(join(root, 'bad-config'), { arch: 'llama', layers: 1 });
  await writeFile(join(fx.dir, 'config.json'), '{"model_type": "llama",');
  await assert.rejects(openModel(fx.dir), /config\.json in .* is not valid JSON/);
});
