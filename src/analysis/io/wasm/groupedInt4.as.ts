/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// GPTQ and AWQ 4-bit weights, 128-bit WASM SIMD: W[o, i] = (q − z[g, o]) · s[g, o] rounded to the
// scales' dtype, bit for bit the lookup tables of ../quant/groupedInt.ts buildLut (rounded by
// ../quant/floatRound.ts) that the JavaScript decoders ../quant/gptqDecode.ts and awqDecode.ts read.
// Here the value is computed: q − z is a small integer (|q − z| ≤ 16), so its float32 product with a
// float16 or bfloat16 scale is exact and one rounding to that dtype follows (round to nearest even,
// overflow to ±Infinity, float16 subnormals kept); with float32 scales the product is the one
// float32 multiplication Math.fround gives. Per-(row, group) scales and zero points come as float32
// tables (GPTQ `[groups, rows]`, AWQ `[rows, groups]`).
// Pointers are byte addresses in the module's memory. The helpers are inlined where called
// (inline.always): they run once per four values.

const F32_NAN = 0x7fc00000;

/**
 * Rounds float32 products to float16 (mode 1, 3) or bfloat16 (mode 2, 4), or leaves them (mode 0), as
 * floatRound.ts does: a NaN becomes 0x7fc00000 in mode 1 (the float16 table's NaN) and stays as the
 * multiplication made it otherwise (as Math.fround and roundBF16 leave it).
 */
function roundTo(x: v128, mode: i32): v128 {
  if (mode == 0) return x;
  // Modes 3 and 4: float16 / bfloat16 when the caller knows every product is 0 or a finite value in
  // the dtype's normal range (scales 0 or 2^-14 ≤ |s| < 2^12 for float16, finite and < 2^123 for
  // bfloat16): the mantissa rounding on the bits alone, ties to even.
  if (mode == 3) return v128.and(i32x4.add(i32x4.add(x, i32x4.splat(0xfff)), v128.and(i32x4.shr_u(x, 13), i32x4.splat(1))), i32x4.splat(<i32>0xffffe000));
  if (mode == 4) return v128.and(i32x4.add(i32x4.add(x, i32x4.splat(0x7fff)), v128.and(i32x4.shr_u(x, 16), i32x4.splat(1))), i32x4.splat(<i32>0xffff0000));
  const ax = v128.and(x, i32x4.splat(0x7fffffff));
  const nan = i32x4.gt_u(ax, i32x4.splat(0x7f800000));
  if (mode == 2) {
    const lsb = v128.and(i32x4.shr_u(x, 16), i32x4.splat(1));
    return v128.bitselect(x, v128.and(i32x4.add(i32x4.add(x, i32x4.splat(0x7fff)), lsb), i32x4.splat(<i32>0xffff0000)), nan);
  }
  // float16 normal range: round the 23-bit mantissa to 10 bits (ties to even) on the bits; ≥ 2^16 is Inf.
  const lsb = v128.and(i32x4.shr_u(ax, 13), i32x4.splat(1));
  let n = v128.and(i32x4.add(i32x4.add(ax, i32x4.splat(0xfff)), lsb), i32x4.splat(<i32>0xffffe000));
  n = v128.bitselect(i32x4.splat(0x7f800000), n, i32x4.ge_u(n, i32x4.splat(0x47800000)));
  // Below 2^-14 (float16 subnormals, steps of 2^-24): (|x| + 0.75) − 0.75 rounds to a multiple of 2^-24, ties to even.
  const sub = f32x4.sub(f32x4.add(ax, f32x4.splat(0.75)), f32x4.splat(0.75));
  const mag = v128.bitselect(sub, n, i32x4.lt_u(ax, i32x4.splat(0x38800000)));
  return v128.bitselect(i32x4.splat(F32_NAN), v128.or(mag, v128.and(x, i32x4.splat(<i32>0x80000000))), nan);
}

/** Rows of four values `a`, `b`, `c`, `d` (four lanes each) → lanes of four rows: the 4×4 transpose. */
function store4x4(dst: usize, rowBytes: usize, a: v128, b: v128, c: v128, d: v128): void {
  const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd0 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const cd1 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(ab0, cd0, 0, 2));
  v128.store(dst + rowBytes, i64x2.shuffle(ab0, cd0, 1, 3));
  v128.store(dst + 2 * rowBytes, i64x2.shuffle(ab1, cd1, 0, 2));
  v128.store(dst + 3 * rowBytes, i64x2.shuffle(ab1, cd1, 1, 3));
}

/**
 * GPTQ (qweight `[in / 8, out]`, word row k holding inputs 8k … 8k + 7 of one output row, code j at
 * bits 4j): rows `r0 … r1` (multiples of 4) of a strip of `stride` output rows, words at
 * `qw + 4·(k·stride + r)`, written row-major (`n` values a row) from `dst`. Four output rows at a
 * time: the four words of one word row load as one vector, and as input i's group `gidx[i]` (int32)
 * is the same for the four, their scales and zero points load as vectors too, from tables laid out
 * `[groups, stride]`. Each 4 × 4 block of values is transposed into the rows.
 */
export function gptq4(dst: usize, qw: usize, stride: i32, r0: i32, r1: i32, n: i32, scales: usize, zeros: usize, gidx: usize, mode: i32): void {
  const mask = i32x4.splat(15);
  const rowBytes = (<usize>n) << 2;
  for (let r = r0; r < r1; r += 4) {
    let out = dst + <usize>(r - r0) * rowBytes;
    for (let k = 0, i0 = 0; i0 < n; k++, i0 += 8) {
      const w = v128.load(qw + ((<usize>(k * stride + r)) << 2));
      const g = gidx + ((<usize>i0) << 2);
      // Value j of the four rows: code j of their words, with input i0 + j's group.
      const a0 = (<usize>(load<i32>(g) * stride + r)) << 2;
      const a1 = (<usize>(load<i32>(g, 4) * stride + r)) << 2;
      const a2 = (<usize>(load<i32>(g, 8) * stride + r)) << 2;
      const a3 = (<usize>(load<i32>(g, 12) * stride + r)) << 2;
      const a4 = (<usize>(load<i32>(g, 16) * stride + r)) << 2;
      const a5 = (<usize>(load<i32>(g, 20) * stride + r)) << 2;
      const a6 = (<usize>(load<i32>(g, 24) * stride + r)) << 2;
      const a7 = (<usize>(load<i32>(g, 28) * stride + r)) << 2;
      const v0 = inline.always(roundTo(f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(v128.and(w, mask)), v128.load(zeros + a0)), v128.load(scales + a0)), mode));
      const v1 = inline.always(
        roundTo(f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(w, 4), mask)), v128.load(zeros + a1)), v128.load(scales + a1)), mode),
      );
      const v2 = inline.always(
        roundTo(f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(w, 8), mask)), v128.load(zeros + a2)), v128.load(scales + a2)), mode),
      );
      const v3 = inline.always(
        roundTo(f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(w, 12), mask)), v128.load(zeros + a3)), v128.load(scales + a3)), mode),
      );
      const v4 = inline.always(
        roundTo(f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(w, 16), mask)), v128.load(zeros + a4)), v128.load(scales + a4)), mode),
      );
      const v5 = inline.always(
        roundTo(f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(w, 20), mask)), v128.load(zeros + a5)), v128.load(scales + a5)), mode),
      );
      const v6 = inline.always(
        roundTo(f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(w, 24), mask)), v128.load(zeros + a6)), v128.load(scales + a6)), mode),
      );
      const v7 = inline.always(roundTo(f32x4.mul(f32x4.sub(f32x4.convert_i32x4_u(i32x4.shr_u(w, 28)), v128.load(zeros + a7)), v128.load(scales + a7)), mode));
      inline.always(store4x4(out, rowBytes, v0, v1, v2, v3));
      inline.always(store4x4(out + 16, rowBytes, v4, v5, v6, v7));
      out += 32;
    }
  }
}

/**
 * AWQ GEMM layout (qweight `[in, out / 8]`, word c of input i holding output rows 8c … 8c + 7 at
 * nibbles AWQ_REVERSE_ORDER, shifts 0, 16, 4, 20, 8, 24, 12, 28): rows `8·c0 … 8·c1` of a strip of
 * `stride` words per input (`qw + 4·(i·stride + c)`), written row-major (`n` values a row, row 8·c0
 * first) from `dst`. `n` and `groupSize` are multiples of 4: four inputs share a group.
 */
export function awq4(dst: usize, qw: usize, stride: i32, c0: i32, c1: i32, n: i32, scales: usize, zeros: usize, groups: i32, groupSize: i32, mode: i32): void {
  const mask = i32x4.splat(15);
  for (let c = c0; c < c1; c++) {
    const rowOut = dst + ((<usize>((c - c0) * 8 * n)) << 2);
    for (let i = 0; i < n; i += 4) {
      const p = qw + ((<usize>(i * stride + c)) << 2);
      const step = (<usize>stride) << 2;
      const v = i32x4.replace_lane(
        i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(load<i32>(p)), 1, load<i32>(p + step)), 2, load<i32>(p + 2 * step)),
        3,
        load<i32>(p + 3 * step),
      );
      const g = i / groupSize;
      for (let m = 0; m < 8; m++) {
        // AWQ_REVERSE_ORDER[m] = [0, 4, 1, 5, 2, 6, 3, 7][m]: nibble (m >> 1) + 4·(m & 1).
        const shift = 4 * ((m >> 1) + 4 * (m & 1));
        const at = (<usize>((8 * c + m) * groups + g)) << 2;
        const q = f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(v, shift), mask));
        const x = f32x4.mul(f32x4.sub(q, f32x4.splat(load<f32>(zeros + at))), f32x4.splat(load<f32>(scales + at)));
        v128.store(rowOut + ((<usize>(m * n + i)) << 2), inline.always(roundTo(x, mode)));
      }
    }
  }
}
