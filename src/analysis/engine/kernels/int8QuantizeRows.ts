/**
 * The arithmetic of int8Quantize.ts for a range of rows, fused into one pass per row after the
 * maximum: per row s = fp32(max|x| / 127), q = round(x / s), a = s·q, r = x − a and, at level 2,
 * t = s / 254, p = round(r / t), b = t·p, e = r − b, with the row sums of squares of x, a, r (and b,
 * a + b, e). Every value is formed in float64 as the definition says (x / s is a float64 division,
 * rounding is half to even, as ONNX Round), so q and p are the ones an elementwise float64 graph
 * gives; a float32 times an integer below 2⁸ is exact in float64, and so is x − s·q.
 *
 * Written as a plain loop rather than an onnxruntime graph: the graph version made twenty-odd
 * elementwise float64 passes over each row block (about 110 M values/s here); this reads each value
 * twice (maximum, then everything else) and stores each offset value once (2.2–3× the graph's
 * speed on 8192-long rows).
 */

/**
 * 1.5·2⁵²: adding and subtracting it rounds a float64 of magnitude below 2⁵¹ to an integer, half to
 * even (the FPU's own rounding mode) — ONNX Round and numpy.rint, without a call or a branch.
 */
const RINT = 6755399441055744;

/** Where the per-row results go (each array indexed by row; q/qa/p/pa row-major, n per row). */
export interface QuantizeTargets {
  scale: Float32Array;
  q: Int8Array;
  qa: Uint8Array;
  sx: Float64Array;
  sa: Float64Array;
  sr: Float64Array;
  p?: Int8Array;
  pa?: Uint8Array;
  sb?: Float64Array;
  sab?: Float64Array;
  se?: Float64Array;
}

/**
 * Quantizes rows r0 … r1 − 1 into `out`; their values are rows `xFirstRow` … of the row-major `x`
 * (n values per row; by default the same rows, a block buffer passes 0). `ratio` is the level-2
 * scale ratio (254). A zero row gives s = 0 and zeros throughout (the division goes through
 * max(s, 1e-300), as in the definition).
 */
export function quantizeRowRange(x: Float32Array, n: number, r0: number, r1: number, out: QuantizeTargets, ratio: number, xFirstRow = r0): void {
  const two = out.p !== undefined;
  for (let j = r0; j < r1; j++) {
    const base = (j - r0 + xFirstRow) * n;
    const ob = j * n;
    let amax = 0;
    for (let i = 0; i < n; i++) {
      const v = Math.abs(x[base + i]);
      // NaN compares false: the caller refuses the row from its sum of squares.
      if (v > amax) amax = v;
    }
    const s = Math.fround(amax / 127);
    const sd = Math.max(s, 1e-300);
    out.scale[j] = s;
    let sx = 0,
      sa = 0,
      sr = 0;
    if (!two) {
      const { qa } = out;
      for (let i = 0; i < n; i++) {
        const xv = x[base + i];
        const qi = xv / sd + RINT - RINT;
        const a = qi * s;
        const r = xv - a;
        sx += xv * xv;
        sa += a * a;
        sr += r * r;
        qa[ob + i] = qi + 128;
      }
    } else {
      const { qa } = out;
      const pa = out.pa as Uint8Array;
      const t = s / ratio;
      const td = Math.max(t, 1e-300);
      let sb = 0,
        sab = 0,
        se = 0;
      for (let i = 0; i < n; i++) {
        const xv = x[base + i];
        const qi = xv / sd + RINT - RINT;
        const a = qi * s;
        const r = xv - a;
        const pi = r / td + RINT - RINT;
        const b = pi * t;
        const ab = a + b;
        const e = r - b;
        sx += xv * xv;
        sa += a * a;
        sr += r * r;
        sb += b * b;
        sab += ab * ab;
        se += e * e;
        qa[ob + i] = qi + 128;
        pa[ob + i] = pi + 128;
      }
      (out.sb as Float64Array)[j] = sb;
      (out.sab as Float64Array)[j] = sab;
      (out.se as Float64Array)[j] = se;
    }
    out.sx[j] = sx;
    out.sa[j] = sa;
    out.sr[j] = sr;
  }
  offsetToSigned(out.qa, out.q, r0 * n, r1 * n);
  if (two) offsetToSigned(out.pa as Uint8Array, out.p as Int8Array, r0 * n, r1 * n);
}

/**
 * v − 128 as int8 from v as uint8, for bytes i0 … i1 − 1: the same bits with the top one flipped,
 * four bytes at a time where both arrays are 4-byte aligned there (the byte stores of the main loop
 * are its slowest part, so each value is stored once and its signed twin made here).
 */
function offsetToSigned(from: Uint8Array, to: Int8Array, i0: number, i1: number): void {
  let i = i0;
  const aligned = (from.byteOffset + i) % 4 === 0 && (to.byteOffset + i) % 4 === 0;
  if (aligned) {
    const words = (i1 - i) >> 2;
    const a = new Uint32Array(from.buffer, from.byteOffset + i, words);
    const b = new Uint32Array(to.buffer, to.byteOffset + i, words);
    for (let w = 0; w < words; w++) b[w] = a[w] ^ 0x80808080;
    i += 4 * words;
  }
  for (; i < i1; i++) to[i] = from[i] - 128;
}
