// Git LFS pointers in place of model files (src/analysis/io/lfsPointer.ts): the pointer text as
// git-lfs writes it (docs/spec.md: version, oid, size, trailing newline) is named as a pointer with
// the real size, in the safetensors reader, in a JSON file (index, config, tokenizer), and when a
// sharded folder's shards are all pointers; near misses (another spec url, too long, a real header)
// are not mistaken for one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LfsPointerError, parseLfsPointer } from '../../../../src/analysis/io/lfsPointer';
import { readJsonFile } from '../../../../src/analysis/io/readBytes';
import { readSafetensorsHeader, SafetensorsError } from '../../../../src/analysis/io/safetensors';
import { ModelFileError } from '../../../../src/analysis/io/modelFileError';
import { openModel } from '../../../../src/analysis/model/openModel';
import { writeFixtureModel } from '../../../fixtures/makeModel';

/** A pointer exactly as `git lfs pointer` writes it (git-lfs lfs/pointer.go `template`). */
const pointerText = (size: number, version = 'https://git-lfs.github.com/spec/v1') =>
  `version ${version}\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize ${size}\n`;
const enc = (s: string) => new TextEncoder().encode(s);

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-lfs-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('parseLfsPointer reads the size and oid of the three v1 spellings, and nothing else', () => {
  for (const v of ['https://git-lfs.github.com/spec/v1', 'https://hawser.github.com/spec/v1', 'http://git-media.io/v/2']) {
    assert.deepEqual(parseLfsPointer(enc(pointerText(4_976_698_672, v))), {
      oid: 'sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393',
      size: 4_976_698_672,
    });
  }
  assert.equal(parseLfsPointer(enc(pointerText(1, 'https://git-lfs.github.com/spec/v2'))), null);
  assert.equal(parseLfsPointer(enc('{"weight_map": {}}')), null);
  // git-lfs never treats a file over 1024 bytes as a pointer.
  assert.equal(parseLfsPointer(enc(pointerText(1) + 'x'.repeat(1100))), null);
  assert.equal(parseLfsPointer(new Uint8Array([0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x20, 0xff, 0xfe])), null);
});

test('the safetensors reader names a pointer, with the real size, instead of a 2.3e18-byte header', async () => {
  const p = join(root, 'model.safetensors');
  await writeFile(p, pointerText(16_060_522_496));
  await assert.rejects(readSafetensorsHeader(p), (e: Error) => {
    assert.ok(e instanceof LfsPointerError && e instanceof ModelFileError, e.name);
    assert.equal(
      e.message,
      "model.safetensors is a Git LFS pointer, not the weights (the real file is 16.1 GB): run `git lfs pull` in the model's repository to download it",
    );
    assert.doesNotMatch(e.message, /claims/);
    return true;
  });
});

test('text starting "version " that is not a pointer keeps the header-length message', async () => {
  const p = join(root, 'notes.safetensors');
  await writeFile(p, 'version 2 of my notes\n');
  await assert.rejects(readSafetensorsHeader(p), (e: Error) => e instanceof SafetensorsError && /header claims \d+ bytes/.test(e.message));
});

test('a JSON file (index, tokenizer) that is a pointer is named as one', async () => {
  const p = join(root, 'tokenizer.json');
  await writeFile(p, pointerText(9_085_657));
  await assert.rejects(
    readJsonFile(p, 'tokenizer.json', 1 << 20),
    /^LfsPointerError: tokenizer\.json is a Git LFS pointer, not the file \(the real file is 9\.1 MB\): run `git lfs pull`/,
  );
});

test('a sharded folder cloned without LFS: one message counts the pointer shards', async () => {
  const fx = await writeFixtureModel(join(root, 'clone'), { arch: 'llama', layers: 2, shards: 3 });
  for (const f of fx.files) await writeFile(f, pointerText(5_000_000_000));
  await assert.rejects(
    openModel(fx.dir),
    /^ModelFileError: 3 of the 3 weight files \(model-00001-of-00003\.safetensors, model-00002-of-00003\.safetensors, …\) are Git LFS pointers, not the weights: run `git lfs pull`/,
  );
  // Opening one shard goes through the index too, and says the same.
  await assert.rejects(openModel(fx.files[1]), /3 of the 3 weight files .* are Git LFS pointers/);
});

test('one pointer shard among real ones is named by file', async () => {
  const fx = await writeFixtureModel(join(root, 'partial'), { arch: 'llama', layers: 2, shards: 3 });
  await writeFile(fx.files[2], pointerText(123));
  await assert.rejects(
    openModel(fx.dir),
    /^LfsPointerError: model-00003-of-00003\.safetensors is a Git LFS pointer, not the weights \(the real file is 123 bytes\)/,
  );
});

test('an index that is itself a pointer is named as one', async () => {
  const fx = await writeFixtureModel(join(root, 'index-ptr'), { arch: 'llama', layers: 2, shards: 2 });
  await mkdir(fx.dir, { recursive: true });
  await writeFile(join(fx.dir, 'model.safetensors.index.json'), pointerText(40_000));
  await assert.rejects(openModel(fx.dir), /model\.safetensors\.index\.json is a Git LFS pointer, not the file/);
});
