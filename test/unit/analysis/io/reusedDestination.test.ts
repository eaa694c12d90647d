// Quantized weights decoded into memory the caller reuses: a stream (streamF32) hands every chunk of
// a GGUF block type or a safetensors quantization scheme in the same float32 array, and a read with
// `into` writes the caller's array. Both must give, bit for bit, the values of the read into a new
// array (itself checked against the numpy oracles in gguf/dequant.test.ts and quant/decoders.test.ts,
// compared here too), and every element of a reused array must be overwritten: the destinations
// start full of NaN of a recognisable payload, so any value left over would show.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readE4M3BlockScaled } from '../../../../src/analysis/io/fp8BlockScaled';
import { readAllF32, readElementsF32, streamF32 } from '../../../../src/analysis/io/tensorReader';
import { readSafetensorsHeader } from '../../../../src/analysis/io/safetensors';
import { setDecodeWasmEnabled } from '../../../../src/analysis/io/wasm/decodeKernelsWasm';
import { openModel } from '../../../../src/analysis/model/openModel';
import type { TensorEntry } from '../../../../src/analysis/model/types';
import { writeGguf } from '../../../fixtures/ggufWriter';
import { writeSafetensors } from '../../../fixtures/safetensorsWriter';
import { REPO_ROOT } from '../../../paths';
import { bits, expected, ORACLE, writeCase } from './quant/quantFixture';

interface OracleType {
  id: number;
  ne: [number, number];
  bytes: string;
  bits: number[];
}
const readOracle = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles', name), 'utf8')) as { types: Record<string, OracleType> };
const GGUF = { ...readOracle('gguf_quants.json').types, ...readOracle('gguf_iq_quants.json').types };

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-reuse-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A float32 array of quiet NaNs with payload 0x5a5a5: a value no decoder produces from these inputs. */
function stale(n: number): Float32Array {
  return new Float32Array(new Uint32Array(n).fill(0x7fc5a5a5).buffer);
}

/**
 * Streams `entry` with `chunkBytes` and checks the chunks: in order, tiling the tensor, all in one
 * reused array, and together equal to `want`. Returns how many chunks there were.
 */
async function checkStream(entry: TensorEntry, chunkBytes: number, want: Float32Array, what: string): Promise<number> {
  const got = stale(want.length);
  const buffers = new Set<ArrayBufferLike>();
  let next = 0;
  let chunks = 0;
  await streamF32(entry, { chunkBytes }, (values, at) => {
    assert.equal(at, next, `${what}: chunks arrive in order`);
    buffers.add(values.buffer);
    got.set(values, at);
    next += values.length;
    chunks++;
  });
  assert.equal(next, want.length, `${what}: the chunks cover the tensor`);
  assert.equal(buffers.size, 1, `${what}: every chunk is decoded into the same memory`);
  assert.deepEqual(bits(got), bits(want), `${what}: streamed values`);
  return chunks;
}

/** A read into a stale array longer than the range equals the read into a new array, and only the range is written. */
async function checkInto(entry: TensorEntry, first: number, count: number, what: string): Promise<void> {
  const fresh = await readElementsF32(entry, first, count);
  const into = stale(count + 5);
  const got = await readElementsF32(entry, first, count, {}, into);
  assert.equal(got.buffer, into.buffer, `${what}: the values are written into the caller's array`);
  assert.equal(got.length, count);
  assert.deepEqual(bits(got), bits(fresh), `${what}: elements ${first}…${first + count}`);
  assert.deepEqual([...bits(into.subarray(count))], new Array(5).fill(0x7fc5a5a5), `${what}: nothing is written past the range`);
}

for (const [name, t] of Object.entries(GGUF)) {
  test(`GGUF ${name}: streamed into one reused array and read into a caller's array, the values of a new-array read`, async () => {
    // The oracle's rows stacked 8 times, so that even the smallest chunk (8 bytes' worth of whole
    // blocks, e.g. 8 MXFP4 blocks) leaves several chunks.
    const one = new Uint8Array(Buffer.from(t.bytes, 'hex'));
    const raw = new Uint8Array(8 * one.length);
    for (let k = 0; k < 8; k++) raw.set(one, k * one.length);
    const file = join(dir, `${name}.gguf`);
    writeGguf(file, { 'general.architecture': { type: 'string', value: 'llama' } }, [{ name: 'w.weight', type: t.id, ne: [t.ne[0], 8 * t.ne[1]], bytes: raw }]);
    const entry = (await openModel(file)).tensors.get('w.weight')!;
    const oracleBits = Array.from({ length: 8 }, () => t.bits).flat();
    // With the WASM kernels (where the type has one) and with the JavaScript decoders alone.
    for (const wasm of [true, false]) {
      setDecodeWasmEnabled(wasm);
      try {
        const what = `${name}${wasm ? '' : ' (JavaScript)'}`;
        const all = await readAllF32(entry);
        assert.deepEqual([...bits(all)], oracleBits, `${what}: the new-array read equals the oracle`);
        const n = all.length;
        // Chunks of about one block row, of a few blocks and of a third of the tensor: each leaves a shorter last chunk.
        let most = 0;
        for (const chunkBytes of [4 * t.ne[0], 4 * 3 * 32 + 4, 4 * Math.ceil(n / 3)])
          most = Math.max(most, await checkStream(entry, chunkBytes, all, `${what}, chunks of ${chunkBytes} B`));
        assert.ok(most >= 3, `${what}: at most ${most} chunk(s), so reuse was not exercised`);
        await checkInto(entry, 0, n, what);
        await checkInto(entry, 5, n - 13, what);
        await checkInto(entry, t.ne[0] - 1, 3, what);
      } finally {
        setDecodeWasmEnabled(true);
      }
    }
  });
}

for (const [name, c] of Object.entries(ORACLE.cases)) {
  test(`${name}: streamed into one reused array and read into a caller's array, the oracle's values`, async () => {
    const caseDir = join(dir, name);
    await writeCase(caseDir, c);
    const model = await openModel(caseDir);
    for (const wname of Object.keys(c.weights)) {
      const entry = model.tensors.get(wname);
      if (!entry?.quant) continue; // the Llama-shaped case's plain tensors
      const want = expected(c, wname);
      const cols = entry.shape[entry.shape.length - 1];
      // With the WASM kernels (GPTQ / AWQ streams decode in their arena) and with the JavaScript decoders alone.
      for (const wasm of [true, false]) {
        setDecodeWasmEnabled(wasm);
        try {
          const what = `${wname}${wasm ? '' : ' (JavaScript)'}`;
          for (const rows of [1, 3]) assert.ok((await checkStream(entry, 4 * cols * rows, want, `${what}, ${rows} row(s) a chunk`)) >= 2);
          await checkInto(entry, 0, want.length, what);
          await checkInto(entry, cols, 2 * cols, `${what}, whole rows`);
          await checkInto(entry, Math.min(cols + 3, want.length - 1), Math.min(2 * cols + 5, want.length - cols - 3), `${what}, cut rows`);
        } finally {
          setDecodeWasmEnabled(true);
        }
      }
    }
  });
}

test("FP8 block-scaled into a caller's array: the values of the new-array read, nothing written past the range", async () => {
  const rows = 7;
  const cols = 45;
  const raw = new Uint8Array(rows * cols);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37 + 11) & 0xff;
  const file = join(dir, 'fp8.safetensors');
  await writeSafetensors(file, [{ name: 'w', dtype: 'F8_E4M3', shape: [rows, cols], bytes: raw }]);
  const entry = (await readSafetensorsHeader(file)).tensors[0];
  const grid = { scales: Float32Array.from({ length: 4 * 3 }, (_, i) => 0.5 + i / 8), cols, gridCols: 3, block: [2, 16] as const };
  for (const [first, count] of [
    [0, rows * cols],
    [cols + 4, 2 * cols + 9],
  ]) {
    const fresh = await readE4M3BlockScaled(entry, 0, first, count, grid);
    const into = stale(count + 3);
    const got = await readE4M3BlockScaled(entry, 0, first, count, grid, { chunkBytes: 64 }, into);
    assert.equal(got.buffer, into.buffer);
    assert.deepEqual(bits(got), bits(fresh));
    assert.deepEqual([...bits(into.subarray(count))], [0x7fc5a5a5, 0x7fc5a5a5, 0x7fc5a5a5]);
  }
});

test('GGUF streams interleaved at their awaits each decode in memory of their own; a consumer that throws gives the memory back', async () => {
  const t = GGUF.Q8_0;
  const one = new Uint8Array(Buffer.from(t.bytes, 'hex'));
  const raw = new Uint8Array(16 * one.length);
  for (let k = 0; k < 16; k++) raw.set(one, k * one.length);
  const file = join(dir, 'interleaved.gguf');
  writeGguf(file, { 'general.architecture': { type: 'string', value: 'llama' } }, [{ name: 'w.weight', type: t.id, ne: [t.ne[0], 16 * t.ne[1]], bytes: raw }]);
  const entry = (await openModel(file)).tensors.get('w.weight')!;
  const want = await readAllF32(entry);
  const chunkBytes = 4 * t.ne[0];
  // Two streams at once, each consumer yielding to the event loop (as the statistics passes do) so the other decodes meanwhile.
  const run = async () => {
    const got = stale(want.length);
    const buffers = new Set<ArrayBufferLike>();
    await streamF32(entry, { chunkBytes }, async (values, at) => {
      const copy = values.slice();
      await new Promise((r) => setImmediate(r));
      // The values are still those of this chunk after the other stream ran.
      assert.deepEqual(bits(values), bits(copy));
      buffers.add(values.buffer);
      got.set(values, at);
    });
    return { got, buffers };
  };
  const [a, b] = await Promise.all([run(), run()]);
  assert.deepEqual(bits(a.got), bits(want));
  assert.deepEqual(bits(b.got), bits(want));
  assert.notEqual([...a.buffers][0], [...b.buffers][0], 'the two streams decode in different memory');
  // A consumer that throws ends the stream with its error; the next streams still read correctly.
  let calls = 0;
  await assert.rejects(
    streamF32(entry, { chunkBytes }, () => {
      if (++calls === 2) throw new Error('consumer failed');
    }),
    /consumer failed/,
  );
  for (let k = 0; k < 2; k++) await checkStream(entry, chunkBytes, want, `after a failed stream (${k})`);
});
