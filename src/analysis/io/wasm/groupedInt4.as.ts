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
// Codes convert to float32 as signed integers (they are 0 … 15, so the value is the same): x86 has
// no unsigned conversion, and V8 emulates one in about ten instructions.
// Pointers are byte addresses in the module's memory. The helpers are inlined where called
// (inline.always): they run once per four values.

const F32_NAN = 0x7fc00000;

// Vector constants are loaded from memory before a loop: as constants, the compiled loop would
// rebuild each of them on every use (V8 materializes a v128.const where it is used).
const CONSTS = memory.data<i32>(
  [
    // 15 (a nibble), 1
    15, 15, 15, 15, 1, 1, 1, 1,
    // modes 3 / 4: half an ulp below the kept bits, the kept bits
    0xfff, 0xfff, 0xfff, 0xfff, 0xffffe000, 0xffffe000, 0xffffe000, 0xffffe000, 0x7fff, 0x7fff, 0x7fff, 0x7fff, 0xffff0000, 0xffff0000, 0xffff0000, 0xffff0000,
  ],
  16,
);

/**
 * Rounds float32 products to float16 (mode 1, 3) or bfloat16 (mode 2, 4), or leaves them (mode 0), as
 * floatRound.ts does (`one`, `half`, `keep`: the vectors of 1, half an ulp and the kept bits the fast
 * modes use, from CONSTS): a NaN becomes 0x7fc00000 in mode 1 (the float16 table's NaN) and stays as the
 * multiplication made it otherwise (as Math.fround and roundBF16 leave it).
 */
function roundTo(x: v128, mode: i32, one: v128, half: v128, keep: v128): v128 {
  if (mode == 0) return x;
  // Modes 3 and 4: float16 / bfloat16 when the caller knows every product is 0 or a finite value in
  // the dtype's normal range (scales 0 or 2^-14 ≤ |s| < 2^12 for float16, finite and < 2^123 for
  // bfloat16): the mantissa rounding on the bits alone, ties to even.
  if (mode == 3) return v128.and(i32x4.add(i32x4.add(x, half), v128.and(i32x4.shr_u(x, 13), one)), keep);
  if (mode == 4) return v128.and(i32x4.add(i32x4.add(x, half), v128.and(i32x4.shr_u(x, 16), one)), keep);
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
 * Code j (bits 4j … 4j + 3) of the four words `w`, less its zero points, times its scales, rounded:
 * input 8k + j, whose group `gidx` holds at `g + 4j` (`j` is a constant where this is inlined).
 */
function gptqCode(
  w: v128,
  j: i32,
  g: usize,
  r: i32,
  tableStride: i32,
  scales: usize,
  zeros: usize,
  mode: i32,
  mask: v128,
  one: v128,
  half: v128,
  keep: v128,
): v128 {
  const at = (<usize>(load<i32>(g + ((<usize>j) << 2)) * tableStride + r)) << 2;
  const q = f32x4.convert_i32x4_s(v128.and(i32x4.shr_u(w, 4 * j), mask));
  return inline.always(roundTo(f32x4.mul(f32x4.sub(q, v128.load(zeros + at)), v128.load(scales + at)), mode, one, half, keep));
}

/**
 * Eight values of four output rows `r … r + 3` from word row `k` (inputs 8k … 8k + 7): code j of
 * the four words `w`, with input 8k + j's group, whose scales and zero points for the four rows load
 * as vectors from tables `[groups, tableStride]`; each 4 × 4 block is transposed into the rows from `out`.
 */
function gptqFour(
  out: usize,
  rowBytes: usize,
  w: v128,
  g: usize,
  r: i32,
  tableStride: i32,
  scales: usize,
  zeros: usize,
  mode: i32,
  mask: v128,
  one: v128,
  half: v128,
  keep: v128,
): void {
  const v0 = inline.always(gptqCode(w, 0, g, r, tableStride, scales, zeros, mode, mask, one, half, keep));
  const v1 = inline.always(gptqCode(w, 1, g, r, tableStride, scales, zeros, mode, mask, one, half, keep));
  const v2 = inline.always(gptqCode(w, 2, g, r, tableStride, scales, zeros, mode, mask, one, half, keep));
  const v3 = inline.always(gptqCode(w, 3, g, r, tableStride, scales, zeros, mode, mask, one, half, keep));
  const v4 = inline.always(gptqCode(w, 4, g, r, tableStride, scales, zeros, mode, mask, one, half, keep));
  const v5 = inline.always(gptqCode(w, 5, g, r, tableStride, scales, zeros, mode, mask, one, half, keep));
  const v6 = inline.always(gptqCode(w, 6, g, r, tableStride, scales, zeros, mode, mask, one, half, keep));
  const v7 = inline.always(gptqCode(w, 7, g, r, tableStride, scales, zeros, mode, mask, one, half, keep));
  inline.always(store4x4(out, rowBytes, v0, v1, v2, v3));
  inline.always(store4x4(out + 16, rowBytes, v4, v5, v6, v7));
}

/**
 * GPTQ (qweight `[in / 8, out]`, word row k holding inputs 8k … 8k + 7 of one output row, code j at
 * bits 4j): rows `r0 … r1` (multiples of 4) of `stride` output rows, words at
 * `qw + 4·(k·stride + r)`, written row-major (`n` values a row) from `dst`. Four output rows at a
 * time (gptqFour): the four words of one word row load as one vector, and as input i's group
 * `gidx[i]` (int32) is the same for the four, their scales and zero points load as vectors too,
 * from tables `[groups, tableStride]` (measured faster than sixteen rows at a time, which share a
 * cache line of words but write sixteen rows `4·n` bytes apart, a power of two that maps them all
 * to one set of the L1 cache).
 */
export function gptq4(
  dst: usize,
  qw: usize,
  stride: i32,
  r0: i32,
  r1: i32,
  n: i32,
  scales: usize,
  zeros: usize,
  tableStride: i32,
  gidx: usize,
  mode: i32,
): void {
  // One copy of the loop per mode, the mode a constant in each: a mode tested per vector costs more than the rounding.
  if (mode == 0) inline.always(gptqRows(dst, qw, stride, r0, r1, n, scales, zeros, tableStride, gidx, 0));
  else if (mode == 3) inline.always(gptqRows(dst, qw, stride, r0, r1, n, scales, zeros, tableStride, gidx, 3));
  else if (mode == 4) inline.always(gptqRows(dst, qw, stride, r0, r1, n, scales, zeros, tableStride, gidx, 4));
  else gptqRows(dst, qw, stride, r0, r1, n, scales, zeros, tableStride, gidx, mode);
}

function gptqRows(dst: usize, qw: usize, stride: i32, r0: i32, r1: i32, n: i32, scales: usize, zeros: usize, tableStride: i32, gidx: usize, mode: i32): void {
  const mask = v128.load(CONSTS);
  const one = v128.load(CONSTS, 16);
  const half = v128.load(CONSTS + (mode == 4 ? 64 : 32));
  const keep = v128.load(CONSTS + (mode == 4 ? 80 : 48));
  const rowBytes = (<usize>n) << 2;
  for (let r = r0; r < r1; r += 4) {
    let out = dst + <usize>(r - r0) * rowBytes;
    for (let k = 0, i0 = 0; i0 < n; k++, i0 += 8) {
      inline.always(
        gptqFour(
          out,
          rowBytes,
          v128.load(qw + ((<usize>(k * stride + r)) << 2)),
          gidx + ((<usize>i0) << 2),
          r,
          tableStride,
          scales,
          zeros,
          mode,
          mask,
          one,
          half,
          keep,
        ),
      );
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
  // One copy of the loop per mode, as gptq4.
  if (mode == 0) inline.always(awqRows(dst, qw, stride, c0, c1, n, scales, zeros, groups, groupSize, 0));
  else if (mode == 3) inline.always(awqRows(dst, qw, stride, c0, c1, n, scales, zeros, groups, groupSize, 3));
  else if (mode == 4) inline.always(awqRows(dst, qw, stride, c0, c1, n, scales, zeros, groups, groupSize, 4));
  else awqRows(dst, qw, stride, c0, c1, n, scales, zeros, groups, groupSize, mode);
}

/** Row `8c + m` of AWQ word vector `v` (four inputs): nibble AWQ_REVERSE_ORDER[m], with the row's zero point and scale at `at`. */
function awqOne(out: usize, v: v128, shift: i32, at: usize, zeros: usize, scales: usize, mode: i32, mask: v128, one: v128, half: v128, keep: v128): void {
  const q = f32x4.convert_i32x4_s(v128.and(i32x4.shr_u(v, shift), mask));
  const x = f32x4.mul(f32x4.sub(q, v128.load32_splat(zeros + at)), v128.load32_splat(scales + at));
  v128.store(out, inline.always(roundTo(x, mode, one, half, keep)));
}

function awqRows(dst: usize, qw: usize, stride: i32, c0: i32, c1: i32, n: i32, scales: usize, zeros: usize, groups: i32, groupSize: i32, mode: i32): void {
  const mask = v128.load(CONSTS);
  const one = v128.load(CONSTS, 16);
  const half = v128.load(CONSTS + (mode == 4 ? 64 : 32));
  const keep = v128.load(CONSTS + (mode == 4 ? 80 : 48));
  const step = (<usize>stride) << 2;
  const rowBytes = (<usize>n) << 2;
  const tableRow = (<usize>groups) << 2;
  for (let c = c0; c < c1; c++) {
    const rowOut = dst + ((<usize>((c - c0) * 8 * n)) << 2);
    // The group advances every groupSize inputs (a multiple of 4): counted, not divided.
    let g = 0;
    let left = groupSize;
    for (let i = 0; i < n; i += 4) {
      const p = qw + ((<usize>(i * stride + c)) << 2);
      const v = i32x4.replace_lane(
        i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(load<i32>(p)), 1, load<i32>(p + step)), 2, load<i32>(p + 2 * step)),
        3,
        load<i32>(p + 3 * step),
      );
      const at = (<usize>(8 * c * groups + g)) << 2;
      const out = rowOut + ((<usize>i) << 2);
      // AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7]: row m at nibble (m >> 1) + 4·(m & 1), shifts 0, 16, 4, 20, 8, 24, 12, 28.
      inline.always(awqOne(out, v, 0, at, zeros, scales, mode, mask, one, half, keep));
      inline.always(awqOne(out + rowBytes, v, 16, at + tableRow, zeros, scales, mode, mask, one, half, keep));
      inline.always(awqOne(out + 2 * rowBytes, v, 4, at + 2 * tableRow, zeros, scales, mode, mask, one, half, keep));
      inline.always(awqOne(out + 3 * rowBytes, v, 20, at + 3 * tableRow, zeros, scales, mode, mask, one, half, keep));
      inline.always(awqOne(out + 4 * rowBytes, v, 8, at + 4 * tableRow, zeros, scales, mode, mask, one, half, keep));
      inline.always(awqOne(out + 5 * rowBytes, v, 24, at + 5 * tableRow, zeros, scales, mode, mask, one, half, keep));
      inline.always(awqOne(out + 6 * rowBytes, v, 12, at + 6 * tableRow, zeros, scales, mode, mask, one, half, keep));
      inline.always(awqOne(out + 7 * rowBytes, v, 28, at + 7 * tableRow, zeros, scales, mode, mask, one, half, keep));
      left -= 4;
      if (left == 0) {
        g++;
        left = groupSize;
      }
    }
  }
}
