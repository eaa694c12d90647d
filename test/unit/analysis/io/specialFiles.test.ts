// Paths that are not regular files, and files that change under the reader: a shard or model file
// that is a folder or a named pipe is refused by name before any read (a pipe would otherwise block
// forever: each test has a timeout), and a file cut short while a tensor is being read fails with a
// message instead of returning a half-filled buffer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFileError } from '../../../../src/analysis/io/modelFileError';
import { readJsonFile } from '../../../../src/analysis/io/readBytes';
import { readSafetensorsHeader } from '../../../../src/analysis/io/safetensors';
import { forEachRawChunk, readAllF32, streamF32 } from '../../../../src/analysis/io/tensorReader';
import { openModel } from '../../../../src/analysis/model/openModel';
import { loadTokenizer } from '../../../../src/analysis/model/tokenizer';
import { buildSafetensors } from '../../../fixtures/safetensorsWriter';

let root = '';
let n = 0;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'll-special-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const T = { timeout: 5000 };
const valid = () => buildSafetensors([{ name: 'a', dtype: 'F32', shape: [2], values: [1, 2] }]);

function fifo(path: string): string {
  assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo failed');
  return path;
}

function freshDir(): string {
  const d = join(root, `m${n++}`);
  mkdirSync(d);
  return d;
}

const typed = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ModelFileError, `${(e as Error).name}: ${(e as Error).message}`);
  assert.match((e as Error).message, pattern);
  return true;
};

test('a .safetensors path that is a folder is refused by name, not with EISDIR', T, async () => {
  const d = freshDir();
  mkdirSync(join(d, 'model.safetensors'));
  await assert.rejects(
    readSafetensorsHeader(join(d, 'model.safetensors')),
    typed(/^model\.safetensors is a folder, not a file; Layer Lens reads model data only from regular files$/),
  );
  await assert.rejects(openModel(d), typed(/model\.safetensors is a folder, not a file/));
});

test('a .safetensors path that is a named pipe is refused at once instead of blocking', T, async () => {
  const d = freshDir();
  fifo(join(d, 'model.safetensors'));
  const t0 = performance.now();
  await assert.rejects(openModel(join(d, 'model.safetensors')), typed(/model\.safetensors is a named pipe, not a file/));
  await assert.rejects(openModel(d), typed(/is a named pipe/));
  assert.ok(performance.now() - t0 < 1000);
});

test('an index naming a folder or a pipe as a shard is refused before anything is opened', T, async () => {
  const d = freshDir();
  writeFileSync(join(d, 's1.safetensors'), valid());
  mkdirSync(join(d, 'shard-dir'));
  fifo(join(d, 'pipe.safetensors'));
  writeFileSync(join(d, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 's1.safetensors', b: 'shard-dir' } }));
  await assert.rejects(openModel(d), typed(/model\.safetensors\.index\.json: shard "shard-dir" is a folder, not a safetensors file/));
  writeFileSync(join(d, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 's1.safetensors', b: 'pipe.safetensors' } }));
  await assert.rejects(openModel(d), typed(/shard "pipe\.safetensors" is not a regular file, not a safetensors file/));
});

test('config.json, the index, tokenizer.json and tokenizer_config.json as pipes do not block', T, async () => {
  const d = freshDir();
  writeFileSync(join(d, 'model.safetensors'), valid());
  fifo(join(d, 'model.safetensors.index.json'));
  await assert.rejects(openModel(d), typed(/model\.safetensors\.index\.json is a named pipe/));
  const e = freshDir();
  writeFileSync(join(e, 'model.safetensors'), valid());
  fifo(join(e, 'config.json'));
  // A config.json that is not a file is treated as absent: the model still opens, generically.
  assert.equal((await openModel(e)).architecture, 'generic');
  fifo(join(e, 'tokenizer.json'));
  await assert.rejects(loadTokenizer(e), typed(/tokenizer\.json is a named pipe/));
  await assert.rejects(readJsonFile('/dev/zero', 'zeros', 1024), typed(/zero is a device, not a file/));
});

test('a JSON file over its size limit is refused before it is read', T, async () => {
  const p = join(root, 'big.json');
  writeFileSync(p, `[${'0,'.repeat(600)}0]`);
  await assert.rejects(readJsonFile(p, 'big.json', 1000), typed(/big\.json is 1203 bytes, more than the 1000-byte limit/));
});

/** A 4 KiB F32 tensor read in 256-byte chunks: 16 chunks, so a cut after the first lands mid-read. */
async function shrinking(): Promise<{ file: string; entry: Awaited<ReturnType<typeof readSafetensorsHeader>>['tensors'][number]; cut: () => void }> {
  const file = join(root, `shrink${n++}.safetensors`);
  writeFileSync(file, buildSafetensors([{ name: 'w', dtype: 'F32', shape: [1024], values: Float32Array.from({ length: 1024 }, (_, i) => i + 1) }]));
  const h = await readSafetensorsHeader(file);
  const entry = h.tensors[0];
  let done = false;
  return { file, entry, cut: () => (done ? undefined : ((done = true), truncateSync(file, entry.dataStart + 512))) };
}

const SHRUNK = /shrink\d+\.safetensors: the file ended at byte \d+ while 256 bytes from byte \d+ were needed; it is truncated or was changed while open/;

test('a file that shrinks mid-read fails the read (raw chunks, float32 reads, streams), never returns garbage', T, async () => {
  const a = await shrinking();
  const seen: number[] = [];
  await assert.rejects(
    forEachRawChunk(a.entry, 0, 1024, { chunkBytes: 256 }, (_bytes, first) => {
      seen.push(first);
      a.cut();
    }),
    typed(SHRUNK),
  );
  // Only chunks that were whole before the cut were handed out.
  assert.ok(seen.length >= 1 && seen.length <= 3, `saw chunks ${seen}`);

  const b = await shrinking();
  await assert.rejects(readAllF32(b.entry, { chunkBytes: 256, onProgress: () => b.cut() }), typed(SHRUNK));

  const c = await shrinking();
  await assert.rejects(
    streamF32(c.entry, { chunkBytes: 256 }, () => c.cut()),
    typed(SHRUNK),
  );

  // Cut before the read starts: refused up front, naming the tensor and what to do.
  const d = await shrinking();
  d.cut();
  await assert.rejects(
    readAllF32(d.entry),
    typed(/the file is now \d+ bytes long but tensor 'w' ends at byte \d+; it was truncated or rewritten since it was opened: reload the model/),
  );
});
