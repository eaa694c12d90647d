// Fuzzing the GGUF header parser and the block decoders (fast-check, seeded; see fuzzHarness.ts):
// valid files of every ggml type must parse exactly and read back (F32 bit for bit, block types to
// the right length); byte-mutated files and files with forged counts, lengths and offsets must
// either parse into a header that keeps every invariant the reader relies on (then every decodable
// tensor reads back with the right length) or be refused with a ModelFileError. Split models
// (gguf-split parts) with forged split keys, parts missing or swapped, and tensors repeated across
// parts either open whole or are refused with a ModelFileError. No hang, and memory stays bounded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { GGML_TYPES } from '../../../../../src/analysis/io/gguf/ggmlTypes';
import { memorySource } from '../../../../../src/analysis/io/gguf/byteSource';
import { parseGgufHeader, readGgufHeader, type GgufHeader } from '../../../../../src/analysis/io/gguf/ggufHeader';
import { readAllF32 } from '../../../../../src/analysis/io/tensorReader';
import { ggufTensorEntry, openGgufModel } from '../../../../../src/analysis/model/gguf/openGguf';
import { buildGguf, ggufSplitParts, type GgufMetaValue, type GgufTensorSpec } from '../../../../fixtures/ggufWriter';
import { assertTypedRejection, byteMutation, checkProperty, report, startCaseClock, type CaseClock } from './fuzzHarness';

let dir = '';
let clock: CaseClock;
let cases = 0;
let rssStart = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-fuzz-gguf-'));
  clock = startCaseClock('gguf');
  rssStart = process.memoryUsage().rss;
});
after(async () => {
  await clock.stop();
  rmSync(dir, { recursive: true, force: true });
  const grown = (process.memoryUsage().rss - rssStart) / 2 ** 20;
  console.log(`# fuzz gguf: ${cases} cases in all; resident memory grew ${grown.toFixed(0)} MiB`);
  assert.ok(grown < 512, `memory grew ${grown.toFixed(0)} MiB over the fuzz run`);
});

const T = { timeout: 60_000 };
const file = () => join(dir, 'case.gguf');

const scalarTypes = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'u64', 'i64', 'f64'] as const;
const metaValueArb: fc.Arbitrary<GgufMetaValue> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((value) => ({ type: 'u8' as const, value })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => ({ type: 'i32' as const, value })),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((value) => ({ type: 'u32' as const, value })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ type: 'u64' as const, value })),
  fc.float({ noNaN: true }).map((value) => ({ type: 'f32' as const, value })),
  fc.boolean().map((value) => ({ type: 'bool' as const, value })),
  fc.string({ maxLength: 12 }).map((value) => ({ type: 'string' as const, value })),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 8 }).map((items) => ({ type: 'array' as const, itemType: 'string' as const, items })),
  fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 8 }).map((items) => ({ type: 'array' as const, itemType: 'i32' as const, items })),
);
void scalarTypes;

const typeArb = fc.constantFrom(...GGML_TYPES);
const tensorArb = (name: string): fc.Arbitrary<GgufTensorSpec> =>
  fc.tuple(typeArb, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 3 }), fc.boolean()).chain(([type, blocks, rows, threeD]) => {
    const ne = threeD ? [blocks * type.blockSize, rows, 2] : [blocks * type.blockSize, rows];
    const n = (ne.reduce((a, b) => a * b, 1) / type.blockSize) * type.typeSize;
    return fc.uint8Array({ minLength: n, maxLength: n }).map((bytes) => ({ name, type: type.id, ne, bytes }));
  });
const nameArb = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('blk.0.attn_q.weight', 'token_embd.weight', '__proto__', 'ü名'));
const validFileArb = fc
  .tuple(
    fc.uniqueArray(nameArb, { maxLength: 4, selector: (s) => s }),
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== 'general.alignment'),
      metaValueArb,
      { maxKeys: 4 },
    ),
  )
  .chain(([names, meta]) => fc.tuple(fc.tuple(...names.map(tensorArb)), fc.constant(meta)))
  .map(([tensors, meta]) => ({ tensors: tensors as GgufTensorSpec[], meta, bytes: buildGguf(meta, tensors as GgufTensorSpec[]) }));

/** What every accepted header must satisfy before a tensor byte is read through it. */
function checkInvariants(h: GgufHeader): void {
  assert.ok(h.dataOffset <= h.fileSize || h.tensors.length === 0);
  const spans = h.tensors.map((t) => {
    assert.equal(t.byteLength, (t.elements / t.type.blockSize) * t.type.typeSize, `${t.name}: byte length`);
    assert.equal(
      t.elements,
      t.ne.reduce((a, b) => a * b, 1),
    );
    assert.ok(t.dataStart >= h.dataOffset && t.dataStart + t.byteLength <= h.fileSize, `${t.name}: inside the file`);
    return [t.dataStart, t.dataStart + t.byteLength];
  });
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) if (spans[i][1] > spans[i][0]) assert.ok(spans[i][0] >= spans[i - 1][1], 'tensors overlap');
}

async function readBack(h: GgufHeader): Promise<void> {
  for (const t of h.tensors) {
    const entry = ggufTensorEntry(t, h.file, h.stamp);
    if (!t.type.decodable) {
      await assert.rejects(readAllF32(entry), /cannot decode/);
      continue;
    }
    const values = await readAllF32(entry, { chunkBytes: 256 });
    assert.equal(values.length, t.elements);
  }
}

/**
 * Parses `bytes` in memory; a file that parses is then written and opened from disk (the same
 * parser behind a file source) and every tensor read back. Rejections are checked in memory only.
 */
async function parseOrReject(bytes: Uint8Array, label: string): Promise<'parsed' | 'rejected'> {
  cases++;
  clock.begin(cases);
  try {
    try {
      checkInvariants(await parseGgufHeader(file(), memorySource(bytes)));
    } catch (e) {
      assertTypedRejection(e, label);
      return 'rejected';
    }
    writeFileSync(file(), bytes);
    const h = await readGgufHeader(file());
    checkInvariants(h);
    await readBack(h);
    return 'parsed';
  } finally {
    clock.end();
  }
}

test('valid files of every ggml type parse exactly and read back', T, async () => {
  const t0 = performance.now();
  const n = 1500;
  await checkProperty(
    fc.asyncProperty(validFileArb, async ({ tensors, meta, bytes }) => {
      writeFileSync(file(), bytes);
      cases++;
      clock.begin(cases);
      try {
        const h = await readGgufHeader(file());
        checkInvariants(h);
        assert.deepEqual([...h.metadata.keys()].sort(), Object.keys(meta).sort());
        assert.deepEqual(
          h.tensors.map((t) => [t.name, t.type.id, t.ne]),
          tensors.map((t) => [t.name, t.type, t.ne]),
        );
        await readBack(h);
        for (const t of h.tensors.filter((x) => x.type.name === 'F32')) {
          const spec = tensors.find((s) => s.name === t.name)!;
          const want = new Float32Array(spec.bytes!.slice().buffer);
          const got = await readAllF32(ggufTensorEntry(t, h.file, h.stamp));
          assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(want.buffer));
        }
      } finally {
        clock.end();
      }
    }),
    n,
  );
  report('gguf valid', n, performance.now() - t0, clock);
});

/** End of the header (tensor infos) of an unmutated file: where mutations matter most. */
function headerEnd(b: Uint8Array): number {
  return Math.min(b.length, 512);
}

test('byte-mutated files (flips, cuts, splices; header-focused and anywhere) parse consistently or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 5000;
  const outcomes = { parsed: 0, rejected: 0 };
  await checkProperty(
    fc.asyncProperty(validFileArb, fc.oneof(byteMutation(headerEnd), byteMutation()), async ({ bytes }, mutate) => {
      outcomes[await parseOrReject(mutate(bytes), 'byte mutation')]++;
    }),
    n,
  );
  report('gguf byte mutations', n, performance.now() - t0, clock, `${outcomes.parsed} parsed, ${outcomes.rejected} rejected`);
  assert.ok(outcomes.rejected > n / 4, 'the mutations should break most files');
});

test('forged counts, lengths, dimensions and offsets (64-bit values written over header fields) parse consistently or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 3600;
  const outcomes = { parsed: 0, rejected: 0 };
  const forged = fc.oneof(
    fc.constantFrom(0n, 1n, 31n, 32n, 2n ** 31n, 2n ** 32n, 2n ** 32n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 63n, 2n ** 63n - 1n, 2n ** 64n - 1n),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    fc.bigInt({ min: 0n, max: 4095n }),
  );
  await checkProperty(
    fc.asyncProperty(validFileArb, fc.array(fc.tuple(fc.nat(), forged, fc.boolean()), { minLength: 1, maxLength: 3 }), async ({ bytes }, edits) => {
      const b = bytes.slice();
      const view = new DataView(b.buffer);
      for (const [pos, value, small] of edits) {
        const end = Math.min(b.length, 512);
        if (end < 8) continue;
        const at = pos % (end - (small ? 4 : 8) + 1);
        if (small) view.setUint32(at, Number(value & 0xffffffffn), true);
        else view.setBigUint64(at, value, true);
      }
      outcomes[await parseOrReject(b, 'forged field')]++;
    }),
    n,
  );
  report('gguf forged fields', n, performance.now() - t0, clock, `${outcomes.parsed} parsed, ${outcomes.rejected} rejected`);
  assert.ok(outcomes.rejected > n / 4);
});

test('split models with forged split keys, missing, extra or swapped parts and repeated tensors open whole or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 300;
  const outcomes = { parsed: 0, rejected: 0 };
  const splitKey = fc.constantFrom('split.no', 'split.count', 'split.tensors.count');
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('key' as const), part: fc.nat(3), key: splitKey, value: fc.integer({ min: -2, max: 6 }) }),
    fc.record({ kind: fc.constant('drop' as const), part: fc.nat(3) }),
    fc.record({ kind: fc.constant('swap' as const), part: fc.nat(3) }),
    fc.record({ kind: fc.constant('repeat' as const), part: fc.nat(3) }),
  );
  const groupsArb = fc
    .integer({ min: 2, max: 3 })
    .chain((parts) => fc.tuple(...Array.from({ length: parts }, (_, p) => fc.tuple(tensorArb(`a${p}`), tensorArb(`b${p}`)))));
  await checkProperty(
    fc.asyncProperty(groupsArb, fc.array(edit, { maxLength: 2 }), fc.nat(2), async (groups, edits, openAt) => {
      cases++;
      clock.begin(cases);
      const caseDir = join(dir, `split${cases}`);
      mkdirSync(caseDir);
      try {
        const parts = ggufSplitParts('m', { 'general.architecture': { type: 'string', value: 'llama' } }, groups as GgufTensorSpec[][]);
        const skip = new Set<number>();
        for (const e of edits) {
          const i = e.part % parts.length;
          if (e.kind === 'key') parts[i].metadata[e.key] = { type: e.key === 'split.tensors.count' ? 'i32' : 'u16', value: Math.max(0, e.value) };
          else if (e.kind === 'drop') skip.add(i);
          else if (e.kind === 'swap') [parts[i].tensors, parts[(i + 1) % parts.length].tensors] = [parts[(i + 1) % parts.length].tensors, parts[i].tensors];
          else parts[i].tensors = [...parts[i].tensors, parts[(i + 1) % parts.length].tensors[0]];
        }
        parts.forEach((p, i) => {
          if (!skip.has(i)) writeFileSync(join(caseDir, p.name), buildGguf(p.metadata, p.tensors));
        });
        const present = parts.map((p, i) => (skip.has(i) ? null : join(caseDir, p.name))).filter((p): p is string => p !== null);
        if (present.length === 0) return;
        try {
          const model = await openGgufModel(present[openAt % present.length]);
          outcomes.parsed++;
          const written = new Map(parts.map((p) => [join(caseDir, p.name), p.tensors.length]));
          const want = model.files.reduce((k, f) => k + written.get(f)!, 0);
          assert.equal(model.tensors.size, want, 'every tensor of every part, once');
          for (const t of model.tensors.values()) assert.ok(model.files.includes(t.file));
        } catch (e) {
          assertTypedRejection(e, 'split edit');
          outcomes.rejected++;
        }
      } finally {
        rmSync(caseDir, { recursive: true, force: true });
        clock.end();
      }
    }),
    n,
  );
  report('gguf split parts', n, performance.now() - t0, clock, `${outcomes.parsed} opened, ${outcomes.rejected} rejected`);
  assert.ok(outcomes.parsed > n / 10 && outcomes.rejected > n / 10);
});
