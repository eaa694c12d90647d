/** Decoded values compared bit for bit, as the WebAssembly kernels' tests need. */
import assert from 'node:assert/strict';

/** Equal bit patterns, or both NaN (a NaN's sign and payload are not part of either decoder's contract): 'equal', else where they first differ. */
export function firstDifference(got: Float32Array, want: Float32Array): string {
  assert.equal(got.length, want.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < got.length; i++) {
    if (g[i] === w[i] || (Number.isNaN(got[i]) && Number.isNaN(want[i]))) continue;
    return `value ${i}: wasm ${got[i]} (0x${g[i].toString(16)}), JavaScript ${want[i]} (0x${w[i].toString(16)})`;
  }
  return 'equal';
}
