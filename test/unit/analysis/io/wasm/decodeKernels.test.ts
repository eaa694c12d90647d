// The committed decode-kernel module is what scripts/build-wasm.mjs makes from the AssemblyScript
// sources, and the embedded base64 is that module; the E4M3 kernel decodes all 256 bytes, at every
// alignment and length around the 16-value SIMD step, to the float8 e4m3fn formula's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeInto } from '../../../../../src/analysis/io/dtypes';
import { decodeWasm, setDecodeWasmEnabled } from '../../../../../src/analysis/io/wasm/decodeKernelsWasm';
import { DECODE_KERNELS_WASM_BASE64 } from '../../../../../src/analysis/io/wasm/decodeKernelsWasmBytes';
import { e4m3Wasm } from '../../../../../src/analysis/io/wasm/e4m3Wasm';
import { REPO_ROOT } from '../../../../paths';

const dir = join(REPO_ROOT, 'src/analysis/io/wasm');

test('rebuilding the AssemblyScript decode kernels reproduces the committed decodeKernels.wasm byte for byte', () => {
  const out = mkdtempSync(join(tmpdir(), 'decode-wasm-check-'));
  try {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-wasm.mjs'), '--out', out, '--only', 'decode'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `build-wasm failed: ${r.stderr}`);
    const rebuilt = readFileSync(join(out, 'decodeKernels.wasm'));
    assert.ok(
      rebuilt.toString('base64') === readFileSync(join(dir, 'decodeKernels.wasm')).toString('base64'),
      'decodeKernels.wasm is stale: run `node scripts/build-wasm.mjs` and commit the result',
    );
    assert.equal(readFileSync(join(out, 'decodeKernelsWasmBytes.ts'), 'utf8'), readFileSync(join(dir, 'decodeKernelsWasmBytes.ts'), 'utf8'));
    assert.equal(DECODE_KERNELS_WASM_BASE64, rebuilt.toString('base64'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

/** float8 e4m3fn from its definition (OCP FP8 / PyTorch float8_e4m3fn): bias 7, no infinities, S.1111.111 is NaN. */
function e4m3(b: number): number {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 15;
  const m = b & 7;
  if (e === 15 && m === 7) return NaN;
  return e === 0 ? s * m * 2 ** -9 : s * (1 + m / 8) * 2 ** (e - 7);
}

test('the E4M3 kernel: every byte, every offset and length around the SIMD step, equals the formula (NaN as NaN, −0 as −0)', () => {
  assert.ok(decodeWasm(), 'WebAssembly SIMD is available here');
  const all = new Uint8Array(256 * 3 + 37);
  for (let i = 0; i < all.length; i++) all[i] = (i * 97 + (i >> 8)) & 255;
  for (const [start, len] of [
    [0, all.length],
    [1, 15],
    [3, 16],
    [5, 17],
    [7, 33],
    [0, 0],
  ]) {
    const src = all.subarray(start, start + len);
    const out = new Float32Array(len + 2).fill(99);
    assert.equal(e4m3Wasm(src, out, 1), true);
    assert.equal(out[0], 99);
    assert.equal(out[len + 1], 99, 'nothing written past the end');
    for (let i = 0; i < len; i++) assert.ok(Object.is(out[1 + i], Math.fround(e4m3(src[i]))), `byte 0x${src[i].toString(16)}: ${out[1 + i]}`);
  }
});

test('the E4M3 kernel: 16-byte groups of normal values only, and with one zero, subnormal or NaN at each position', () => {
  const normals = Array.from({ length: 256 }, (_, b) => b).filter((b) => (b & 0x78) !== 0 && (b & 0x7f) !== 0x7f);
  const groups: number[] = [];
  for (let g = 0; g < 40; g++) for (let k = 0; k < 16; k++) groups.push(normals[(g * 37 + k * 11) % normals.length]);
  for (const special of [0x00, 0x80, 0x01, 0x87, 0x05, 0x7f, 0xff])
    for (let k = 0; k < 16; k++) for (let j = 0; j < 16; j++) groups.push(j === k ? special : normals[(k * 13 + j * 7) % normals.length]);
  const src = Uint8Array.from(groups);
  const out = new Float32Array(src.length);
  assert.equal(e4m3Wasm(src, out, 0), true);
  for (let i = 0; i < src.length; i++) assert.ok(Object.is(out[i], Math.fround(e4m3(src[i]))), `value ${i}, byte 0x${src[i].toString(16)}: ${out[i]}`);
});

test('the E4M3 kernel equals the byte table of dtypes.ts bit for bit: every byte at every lane of a 16-byte step, NaN 0x7fc00000 for both signs', () => {
  const src = new Uint8Array(256 * 16);
  for (let i = 0; i < src.length; i++) src[i] = (i + (i >> 4) * 17) & 255;
  const kernel = new Float32Array(src.length);
  assert.equal(e4m3Wasm(src, kernel, 0), true);
  setDecodeWasmEnabled(false);
  const table = new Float32Array(src.length);
  try {
    decodeInto('F8_E4M3', src, table, 0);
  } finally {
    setDecodeWasmEnabled(true);
  }
  const [a, b] = [kernel, table].map((v) => new Uint32Array(v.buffer));
  for (let i = 0; i < src.length; i++) assert.equal(a[i], b[i], `byte 0x${src[i].toString(16)} at lane ${i % 16}`);
  assert.equal(a[src.indexOf(0xff)], 0x7fc00000);
  assert.equal(a[src.indexOf(0x7f)], 0x7fc00000);
});

test('a batch larger than the kernel memory is split: 100 000 values in one call', () => {
  const src = new Uint8Array(100_000);
  for (let i = 0; i < src.length; i++) src[i] = (i * 31) & 255;
  const out = new Float32Array(src.length);
  assert.equal(e4m3Wasm(src, out, 0), true);
  for (let i = 0; i < src.length; i += 997) assert.ok(Object.is(out[i], Math.fround(e4m3(src[i]))), `value ${i}`);
  assert.ok(Object.is(out[src.length - 1], Math.fround(e4m3(src[src.length - 1]))));
});
