/**
 * Transposes a row-major matrix within its own storage, by following the permutation's cycles
 * (entry p of an r×c matrix goes to p·r mod (rc − 1)), with one bit per entry to mark those already
 * moved. For the MLP measures, which need Wdᵀ and not Wd: at 70B shapes (8192 × 28672 float32,
 * 940 MB) an out-of-place transpose would hold both for a while; this adds 29 MB of bits.
 */
import type { Matrix } from '../../linalg/matrix';

/** Returns `m` itself, now `cols × rows` with the transposed entries. */
export function transposeInPlace(m: Matrix): Matrix {
  const { rows: r, cols: c, data } = m;
  const n = r * c;
  if (r > 1 && c > 1) {
    const last = n - 1;
    const moved = new Uint8Array(Math.ceil(n / 8));
    for (let start = 1; start < last; start++) {
      if (moved[start >>> 3] & (1 << (start & 7))) continue;
      // Carry the entry at `start` round its cycle: each step puts the carried value where it belongs.
      let p = start;
      let carried = data[p];
      do {
        const next = (p * r) % last;
        const t = data[next];
        data[next] = carried;
        carried = t;
        moved[next >>> 3] |= 1 << (next & 7);
        p = next;
      } while (p !== start);
    }
  }
  m.rows = c;
  m.cols = r;
  return m;
}
