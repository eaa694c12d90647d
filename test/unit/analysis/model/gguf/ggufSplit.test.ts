// Split GGUF models (llama.cpp's gguf-split: parts `-00001-of-00003.gguf`, …, metadata in the first,
// `split.no` / `split.count` / `split.tensors.count` in each): opened from any part, the model is
// the one the same tensors make in a single file (names, shapes, roles, values bit for bit, with a
// block-quantized tensor equal to the numpy reference of test/oracles/gguf_quants.py); a missing
// part, a disagreeing split.count or split.no, a part of another model, a tensor in two parts and a
// renamed part are each refused with a ModelFileError naming the file at fault.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { readAllF32 } from '../../../../../src/analysis/io/tensorReader';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { ggufSplitParts, writeGguf, type GgufMetaValue, type GgufPartSpec, type GgufTensorSpec } from '../../../../fixtures/ggufWriter';
import { REPO_ROOT } from '../../../../paths';

const q8 = (JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/gguf_quants.json'), 'utf8')) as { types: Record<string, { bytes: string; bits: number[] }> })
  .types.Q8_0;

let root = '';
let n = 0;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'll-gguf-split-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const u32 = (value: number): GgufMetaValue => ({ type: 'u32', value });
const D = 16;
const META: Record<string, GgufMetaValue> = {
  'general.architecture': { type: 'string', value: 'llama' },
  'general.name': { type: 'string', value: 'split llama' },
  'llama.embedding_length': u32(D),
  'llama.block_count': u32(2),
  'llama.feed_forward_length': u32(32),
  'llama.attention.head_count': u32(4),
  'llama.attention.head_count_kv': u32(4),
};

function vals(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.fround(Math.cos(seed * 7 + i) / 3));
}

/** The oracle's six Q8_0 blocks cycled to `rows` rows of one block (32 values) each, and their expected bits. */
function q8Rows(rows: number): { bytes: Uint8Array; bits: number[] } {
  const src = new Uint8Array(Buffer.from(q8.bytes, 'hex'));
  const bytes = new Uint8Array(rows * 34);
  const bits: number[] = [];
  for (let r = 0; r < rows; r++) {
    bytes.set(src.subarray((r % 6) * 34, (r % 6) * 34 + 34), r * 34);
    bits.push(...q8.bits.slice((r % 6) * 32, (r % 6) * 32 + 32));
  }
  return { bytes, bits };
}

/** Three groups of tensors: embedding and layer 0, layer 1, output. ffn_down of layer 1 is Q8_0. */
function groups(): GgufTensorSpec[][] {
  const layer = (l: number): GgufTensorSpec[] => [
    { name: `blk.${l}.attn_q.weight`, type: 0, ne: [D, D], values: vals(D * D, 10 + l) },
    { name: `blk.${l}.attn_k.weight`, type: 0, ne: [D, D], values: vals(D * D, 20 + l) },
    { name: `blk.${l}.attn_v.weight`, type: 0, ne: [D, D], values: vals(D * D, 30 + l) },
    { name: `blk.${l}.attn_output.weight`, type: 0, ne: [D, D], values: vals(D * D, 40 + l) },
    { name: `blk.${l}.ffn_gate.weight`, type: 0, ne: [D, 32], values: vals(D * 32, 50 + l) },
    { name: `blk.${l}.ffn_up.weight`, type: 0, ne: [D, 32], values: vals(D * 32, 60 + l) },
    l === 1
      ? { name: `blk.${l}.ffn_down.weight`, type: 8, ne: [32, D], bytes: q8Rows(D).bytes }
      : { name: `blk.${l}.ffn_down.weight`, type: 0, ne: [32, D], values: vals(32 * D, 70 + l) },
  ];
  return [
    [{ name: 'token_embd.weight', type: 0, ne: [D, 8], values: vals(D * 8, 1) }, ...layer(0)],
    layer(1),
    [
      { name: 'output_norm.weight', type: 0, ne: [D], values: vals(D, 2) },
      { name: 'output.weight', type: 0, ne: [D, 8], values: vals(D * 8, 3) },
    ],
  ];
}

/** A fresh folder holding `parts` (after `alter`), and the path of each. */
function writeParts(alter: (parts: GgufPartSpec[]) => void = () => {}, prefix = 'tiny-Q8_0'): string[] {
  const dir = join(root, `case${n++}`);
  mkdirSync(dir);
  const parts = ggufSplitParts(prefix, META, groups());
  alter(parts);
  return parts.map((p) => {
    const path = join(dir, p.name);
    writeGguf(path, p.metadata, p.tensors);
    return path;
  });
}

async function rejectsNaming(path: string, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(openModel(path), (e: Error) => {
    assert.ok(e instanceof ModelFileError, `${e.name}: ${e.message}`);
    assert.equal(basename(e.file ?? ''), basename(file), e.message);
    assert.match(e.message, pattern);
    assert.ok(e.message.startsWith(basename(file)), e.message);
    return true;
  });
}

test('a three-part split model opens whole from any part, equal to the same tensors in one file', async () => {
  const paths = writeParts();
  const single = join(root, 'single.gguf');
  writeGguf(single, META, groups().flat());
  const whole = await openModel(single);
  for (const p of paths) {
    const model = await openModel(p);
    assert.equal(model.path, paths[0], 'the model is named by its first part, whichever was opened');
    assert.deepEqual(model.files, paths);
    assert.deepEqual([...model.tensors.keys()].sort(), [...whole.tensors.keys()].sort());
    assert.equal(model.tensors.size, 17);
    assert.equal(model.architecture, 'llama');
    assert.equal(model.metadata['general.name'], 'split llama');
    assert.equal(model.metadata['split.count'], '3');
    assert.deepEqual(model.config, whole.config);
    assert.equal(model.layers.length, 2);
    assert.deepEqual(
      model.layers.map((l) => Object.keys(l.roles)),
      whole.layers.map((l) => Object.keys(l.roles)),
    );
    assert.ok(model.notes?.some((x) => /split into 3 files/.test(x)));
    for (const [name, t] of model.tensors) {
      assert.deepEqual(t.shape, whole.tensors.get(name)!.shape, name);
      assert.deepEqual(await readAllF32(t), await readAllF32(whole.tensors.get(name)!), name);
    }
    // Each tensor is read from its own part, at that part's data offset.
    assert.equal(basename(model.tensors.get('blk.1.attn_q.weight')!.file), basename(paths[1]));
    assert.equal(basename(model.tensors.get('output.weight')!.file), basename(paths[2]));
    const down = await readAllF32(model.tensors.get('blk.1.ffn_down.weight')!);
    assert.deepEqual([...new Uint32Array(down.buffer)], q8Rows(D).bits, 'the Q8_0 tensor in part 2 equals the numpy reference');
    assert.deepEqual([...(await readAllF32(model.tensors.get('output_norm.weight')!))], vals(D, 2));
  }
});

test('the folder holding the parts of one split model opens that model; a folder of two different models does not', async () => {
  const paths = writeParts();
  const dir = join(paths[0], '..');
  const model = await openModel(dir);
  assert.equal(model.tensors.size, 17);
  assert.deepEqual(model.files, paths);
  rmSync(paths[0]);
  await rejectsNaming(dir, paths[0], /is missing/);
  const mixed = writeParts();
  writeGguf(join(mixed[0], '..', 'other.gguf'), META, groups().flat());
  await assert.rejects(openModel(join(mixed[0], '..')), /GGUF files .*each is a whole model/);
});

test('a missing part is named', async () => {
  const paths = writeParts();
  rmSync(paths[1]);
  await rejectsNaming(paths[0], paths[1], /is missing: .* is one of 3 parts of a split GGUF model/);
  await rejectsNaming(paths[2], paths[1], /is missing/);
});

test('a part whose split.count disagrees names that part', async () => {
  const paths = writeParts((parts) => {
    parts[2].metadata['split.count'] = { type: 'u16', value: 4 };
  });
  await rejectsNaming(paths[0], paths[2], /says the model is split into 4 files, but .*00001-of-00003\.gguf says 3; the parts come from different models/);
});

test('the opened file named as one of 3 parts but whose split.count says 2 is refused by name', async () => {
  const paths = writeParts((parts) => {
    parts[1].metadata['split.count'] = { type: 'u16', value: 2 };
  });
  await rejectsNaming(paths[1], paths[1], /named as one of 3 parts, but its split\.count says 2/);
});

test('a part from another model (another split.tensors.count) is named', async () => {
  const paths = writeParts((parts) => {
    parts[1].metadata['split.tensors.count'] = { type: 'i32', value: 40 };
  });
  await rejectsNaming(paths[0], paths[1], /holds 40 tensors, but .*00001-of-00003\.gguf says 17; the parts come from different models/);
});

test('a part without split keys among the parts is another model', async () => {
  const paths = writeParts((parts) => {
    parts[2].metadata = {};
  });
  await rejectsNaming(paths[0], paths[2], /has no split\.count, so it is not a part of the split model/);
});

test('parts whose split.no does not match their names are refused', async () => {
  const paths = writeParts((parts) => {
    parts[1].metadata['split.no'] = { type: 'u16', value: 2 };
    parts[2].metadata['split.no'] = { type: 'u16', value: 1 };
  });
  await rejectsNaming(paths[0], paths[1], /named as part 2 of 3, but its split\.no says part 3/);
});

test('a tensor stored in two parts is named with both files', async () => {
  const paths = writeParts((parts) => {
    parts[2].tensors.push({ ...parts[1].tensors[0] });
    parts[0].metadata['split.tensors.count'] = { type: 'i32', value: 18 };
    parts[1].metadata['split.tensors.count'] = { type: 'i32', value: 18 };
    parts[2].metadata['split.tensors.count'] = { type: 'i32', value: 18 };
  });
  await rejectsNaming(paths[0], paths[2], /holds tensor 'blk\.1\.attn_q\.weight', which .*00002-of-00003\.gguf holds too/);
});

test('parts that hold fewer tensors than split.tensors.count says are refused', async () => {
  const paths = writeParts((parts) => {
    parts[2].tensors.pop();
  });
  await rejectsNaming(paths[1], paths[0], /holds 17 tensors \(split\.tensors\.count\), but its 3 parts hold 16/);
});

test('a part renamed away from the gguf-split naming cannot find its siblings, and says so', async () => {
  const paths = writeParts();
  const renamed = join(paths[0], '..', 'model.gguf');
  renameSync(paths[0], renamed);
  await rejectsNaming(renamed, renamed, /is part 1 of a model split into 3 files \(split\.count\), but its name does not end in -0000N-of-00003\.gguf/);
});

test('a file named like a part but without split keys opens alone, as llama.cpp reads it', async () => {
  const dir = join(root, 'lone');
  mkdirSync(dir);
  const file = join(dir, 'm-00001-of-00002.gguf');
  writeGguf(file, META, groups()[0]);
  const model = await openModel(file);
  assert.deepEqual(model.files, [file]);
  assert.equal(model.tensors.size, 8);
});
