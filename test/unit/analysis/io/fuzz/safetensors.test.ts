// Fuzzing the safetensors header parser and the chunked tensor reader (fast-check, seeded): valid
// files of every dtype must read back bit for bit; byte-mutated, JSON-mutated and length-forged
// files must either parse into a header that keeps every invariant the reader relies on (then every
// tensor reads back with the right length) or be refused with a ModelFileError. See fuzzHarness.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { byteLengthOf, decodeToF32, DTYPES, isDecodable, NotDecodableError, type DType } from '../../../../../src/analysis/io/dtypes';
import { readSafetensorsHeader, type SafetensorsHeader } from '../../../../../src/analysis/io/safetensors';
import { elementCount, forEachRawChunk, readAllF32 } from '../../../../../src/analysis/io/tensorReader';
import { buildSafetensors, rawSafetensors } from '../../../../fixtures/safetensorsWriter';
import { assertTypedRejection, checkProperty, byteMutation, jsonMutation, report, startCaseClock, type CaseClock } from './fuzzHarness';

let dir = '';
let clock: CaseClock;
let cases = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-fuzz-st-'));
  clock = startCaseClock('safetensors');
});
after(async () => {
  await clock.stop();
  rmSync(dir, { recursive: true, force: true });
});

const T = { timeout: 60_000 };
const file = () => join(dir, 'case.safetensors');

interface GenTensor {
  name: string;
  dtype: DType;
  shape: number[];
  bytes: Uint8Array;
}

const tensorArb = (name: string): fc.Arbitrary<GenTensor> =>
  fc.record({ dtype: fc.constantFrom(...DTYPES), shape: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }) }).chain(({ dtype, shape: s }) => {
    // Packed sub-byte types (F4, F6) need a count that fills whole bytes: a trailing 4 makes any count do.
    const shape =
      byteLengthOf(
        dtype,
        s.reduce((a, b) => a * b, 1),
      ) === null
        ? [...s, 4]
        : s;
    const n = byteLengthOf(
      dtype,
      shape.reduce((a, b) => a * b, 1),
    )!;
    return fc.uint8Array({ minLength: n, maxLength: n }).map((bytes) => ({ name, dtype, shape, bytes }));
  });

const nameArb = fc
  .oneof(fc.string({ maxLength: 12 }), fc.constantFrom('model.layers.0.self_attn.q_proj.weight', '__proto__', 'constructor', '', 'a.b', 'ü名'))
  .filter((n) => n !== '__metadata__');
const metadataArb = fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), { nil: undefined });
const validFileArb = fc
  .tuple(fc.uniqueArray(nameArb, { maxLength: 5 }), metadataArb)
  .chain(([names, metadata]) => fc.tuple(fc.tuple(...names.map(tensorArb)), fc.constant(metadata)))
  .map(([tensors, metadata]) => ({ tensors: tensors as GenTensor[], metadata, bytes: buildSafetensors(tensors as GenTensor[], metadata) }));

/** What every accepted header must satisfy before a single tensor byte is read through it. */
function checkInvariants(h: SafetensorsHeader): void {
  assert.ok(h.dataStart >= 8 && h.dataStart <= h.fileSize);
  let total = 0;
  let prevEnd = h.dataStart;
  for (const t of h.tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    assert.equal(t.byteLength, byteLengthOf(t.dtype, count), `${t.name}: byte length`);
    assert.ok(t.dataStart >= h.dataStart && t.dataStart + t.byteLength <= h.fileSize, `${t.name}: inside the file`);
    if (t.byteLength > 0) {
      assert.ok(t.dataStart >= prevEnd, `${t.name}: overlaps the previous tensor`);
      prevEnd = t.dataStart + t.byteLength;
    }
    total += t.byteLength;
  }
  // Every buffer a read allocates is sized by byteLength: all of them together fit in the file.
  assert.ok(total <= h.fileSize - h.dataStart);
}

/** Parses `bytes` as a file; a parse must keep the invariants and every tensor must read back. */
async function parseOrReject(bytes: Uint8Array, label: string): Promise<'parsed' | 'rejected'> {
  writeFileSync(file(), bytes);
  cases++;
  clock.begin(cases);
  try {
    let h: SafetensorsHeader;
    try {
      h = await readSafetensorsHeader(file());
    } catch (e) {
      assertTypedRejection(e, label);
      return 'rejected';
    }
    checkInvariants(h);
    for (const t of h.tensors) {
      if (!isDecodable(t.dtype)) {
        await assert.rejects(readAllF32(t, { chunkBytes: 64 }), NotDecodableError);
        continue;
      }
      const values = await readAllF32(t, { chunkBytes: 64 });
      assert.equal(values.length, elementCount(t));
    }
    return 'parsed';
  } finally {
    clock.end();
  }
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]) || (Number.isNaN(x) && Number.isNaN(b[i])));

test('valid files of every dtype, shape and name parse exactly and read back bit for bit in 64-byte chunks', T, async () => {
  const t0 = performance.now();
  const n = 1000;
  await checkProperty(
    fc.asyncProperty(validFileArb, async ({ tensors, metadata, bytes }) => {
      writeFileSync(file(), bytes);
      cases++;
      clock.begin(cases);
      try {
        const h = await readSafetensorsHeader(file());
        checkInvariants(h);
        assert.deepEqual(h.metadata, { ...metadata });
        assert.deepEqual(h.tensors.map((t) => t.name).sort(), tensors.map((t) => t.name).sort());
        for (const g of tensors) {
          const t = h.tensors.find((x) => x.name === g.name)!;
          assert.equal(t.dtype, g.dtype);
          assert.deepEqual(t.shape, g.shape);
          if (!isDecodable(g.dtype)) {
            // Listed, never decoded: values are refused by name, the raw bytes still read back.
            await assert.rejects(readAllF32(t, { chunkBytes: 64 }), NotDecodableError);
            const raw = new Uint8Array(t.byteLength);
            let at = 0;
            await forEachRawChunk(t, 0, elementCount(t), { chunkBytes: 64 }, (b) => {
              raw.set(b, at);
              at += b.byteLength;
            });
            assert.deepEqual(raw, g.bytes, `${g.name} (${g.dtype}) raw bytes`);
            continue;
          }
          assert.ok(sameBits(await readAllF32(t, { chunkBytes: 64 }), decodeToF32(g.dtype, g.bytes)), `${g.name} (${g.dtype}) read back differently`);
        }
      } finally {
        clock.end();
      }
    }),
    n,
  );
  report('safetensors valid', n, performance.now() - t0, clock);
});

test('byte-mutated files (flips, cuts, splices; header-focused and anywhere) parse consistently or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 2000;
  const outcomes = { parsed: 0, rejected: 0 };
  const headerRegion = (b: Uint8Array) => (b.length < 8 ? b.length : 8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)));
  await checkProperty(
    fc.asyncProperty(validFileArb, fc.oneof(byteMutation(headerRegion), byteMutation()), async ({ bytes }, mutate) => {
      outcomes[await parseOrReject(mutate(bytes), 'byte mutation')]++;
    }),
    n,
  );
  report('safetensors byte mutations', n, performance.now() - t0, clock, `${outcomes.parsed} parsed, ${outcomes.rejected} rejected`);
  assert.ok(outcomes.rejected > n / 4, 'the mutations should break most files');
});

test('JSON-mutated headers (wrong types, huge or negative numbers, missing fields) parse consistently or fail typed', T, async () => {
  const t0 = performance.now();
  const n = 2000;
  const outcomes = { parsed: 0, rejected: 0 };
  const numberish = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 53, 2 ** 53 + 2, 1e300, -0, 2 ** 31, 2 ** 32 + 1));
  const targeted = fc.tuple(
    fc.nat(),
    fc.constantFrom('shape', 'data_offsets', 'dtype'),
    // A dtype swapped for another format dtype: same shape and offsets, so sub-byte and wide types disagree with the span.
    fc.oneof(numberish, fc.array(numberish, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), fc.constantFrom(...DTYPES)),
  );
  await checkProperty(
    fc.asyncProperty(
      validFileArb,
      fc.oneof(
        jsonMutation().map((m) => ({ kind: 'tree' as const, m })),
        targeted.map((t) => ({ kind: 'field' as const, t })),
      ),
      fc.boolean(),
      async ({ bytes }, mutation, keepLength) => {
        const n8 = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n8))) as Record<string, Record<string, unknown>>;
        let mutated: unknown;
        if (mutation.kind === 'tree') mutated = mutation.m(header);
        else {
          const [pick, field, value] = mutation.t;
          const names = Object.keys(header).filter((k) => k !== '__metadata__');
          if (names.length) header[names[pick % names.length]][field] = value;
          mutated = header;
        }
        const json = new TextEncoder().encode(JSON.stringify(mutated) ?? 'null');
        const data = bytes.subarray(8 + n8);
        // Half the cases keep the old length field: the JSON then ends early or runs into the data.
        outcomes[await parseOrReject(rawSafetensors(json, data, keepLength ? BigInt(n8) : undefined), 'JSON mutation')]++;
      },
    ),
    n,
  );
  report('safetensors JSON mutations', n, performance.now() - t0, clock, `${outcomes.parsed} parsed, ${outcomes.rejected} rejected`);
  assert.ok(outcomes.parsed > 0 && outcomes.rejected > 0);
});

test('forged header lengths (any u64, near the file size, over the limit) never allocate past the bound', T, async () => {
  const t0 = performance.now();
  const n = 500;
  const heapBefore = process.memoryUsage().arrayBuffers;
  let peak = 0;
  await checkProperty(
    fc.asyncProperty(
      validFileArb,
      fc.oneof(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: -16, max: 16 }).map((d) => ({ d })),
        fc.constantFrom(99_999_999n, 100_000_000n, 100_000_001n, 2n ** 63n, 2n ** 53n + 1n),
      ),
      async ({ bytes }, forged) => {
        const b = Uint8Array.from(bytes);
        const n8 = new DataView(b.buffer).getBigUint64(0, true);
        const value = typeof forged === 'bigint' ? forged : BigInt(Math.max(0, Number(n8) + forged.d));
        new DataView(b.buffer).setBigUint64(0, value, true);
        await parseOrReject(b, `length ${value}`);
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - heapBefore);
      },
    ),
    n,
  );
  // A claimed 99 MB header in a 1 KB file is refused before its buffer exists.
  assert.ok(peak < 32 * 1024 * 1024, `array buffers grew by ${(peak / 2 ** 20).toFixed(1)} MiB`);
  report('safetensors forged lengths', n, performance.now() - t0, clock, `peak array-buffer growth ${(peak / 2 ** 20).toFixed(2)} MiB`);
});

test(`fuzz total for this file`, () => {
  assert.ok(cases >= 5300, `ran ${cases} cases`);
  console.log(`# fuzz safetensors total: ${cases} cases`);
});
