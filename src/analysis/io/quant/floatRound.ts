/**
 * Rounding a float32 value to the precision of the dtype a quantizer's reference computes its
 * dequantized weight in (float16 scales give a float16 product, bfloat16 scales a bfloat16 one),
 * round-to-nearest-even as torch casts. Integer operations on the float32 bits only, since the
 * decoders' lookup tables call this once per (row, group, code).
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

let halfValues: Float32Array | null = null;

/** The float32 value of every float16 bit pattern. */
function halfTable(): Float32Array {
  if (halfValues) return halfValues;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (halfValues = t);
}

/** IEEE binary16 bits of float32 bits `b`: round to nearest even, overflow to ±Inf, subnormals kept, NaN stays NaN. */
function halfBits(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  // Carry from rounding may step into the next exponent (or to Inf): the bit layout makes that right.
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

/** The float16 nearest to `x` (first rounded to float32), as a number. */
export function roundF16(x: number): number {
  f32[0] = x;
  return halfTable()[halfBits(u32[0])];
}

/** The bfloat16 nearest to `x` (first rounded to float32), ties to even, as a number. */
export function roundBF16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7fffffff) > 0x7f800000) return f32[0];
  u32[0] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) << 16;
  return f32[0];
}

/** Rounds `x` to the dtype a scale is stored in: F16, BF16, or float32 for anything else. */
export function roundToScaleDtype(x: number, dtype: string): number {
  if (dtype === 'F16') return roundF16(x);
  if (dtype === 'BF16') return roundBF16(x);
  return Math.fround(x);
}

/** The rounding of roundToScaleDtype for one dtype, chosen once for a table's worth of values. */
export function rounderFor(dtype: string): (x: number) => number {
  return dtype === 'F16' ? roundF16 : dtype === 'BF16' ? roundBF16 : Math.fround;
}
