// Level-1 int8 quantization of unit vectors straight from a weight matrix, for the fast integer
// DOCS screen (src/analysis/engine/kernels/int8QuantizeWasm.ts drives these). The vectors are the
// columns of a row-major float32 block (a weight's columns as they lie, or a transposed block of
// its rows), so that every per-vector quantity runs in SIMD lanes across vectors while each vector's
// own sums keep the order of the scalar definition (int8QuantizeRows.ts: element 0, 1, 2, … in turn),
// and the results are those of that definition bit for bit:
//   normalise   xn = fl32(x · inv), inv from the vector's sum of squares — 'f32': onnxruntime's
//               columnNormalize (float32 sum in row order, Sqrt, Max with 1e-30, Reciprocal, Mul);
//               'f64': matrix.ts scaleRowsToUnit (float64 sum, 1/√, product rounded to float32);
//   quantize    s = fp32(max|xn| / 127), q = rint(xn / max(s, 1e-300)) half to even in float64,
//               a = s·q, r = xn − a, and the float64 sums of xn², a², r².
// max|xn| is taken as fl32(max|x| · inv): rounding is monotonic, so it is the maximum of the
// rounded products. Pointers are byte offsets into linear memory; counts are elements.

/**
 * Adds the squares of `rows` rows of x (row-major, `ld` floats per row, `cols` used) to the per-column
 * sums, row after row, and raises the per-column max|x|: float32 sums (`wide` 0, as
 * ReduceSum(Mul(x, x)) over axis 0) at `sum`, or float64 sums of the exact float32 squares
 * (`wide` 1, as scaleRowsToUnit). NaN does not raise the maximum (the vector is refused by its sums).
 */
function columnSquares(x: usize, rows: i32, cols: i32, ld: i32, wide: i32, sum: usize, amax: usize): void {
  const ldb = <usize>ld << 2;
  const sign = i32x4.splat(0x7fffffff);
  for (let i: i32 = 0; i < rows; i++) {
    const row = x + <usize>i * ldb;
    let j: i32 = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(row + o);
      const m = amax + o;
      v128.store(m, f32x4.pmax(v128.load(m), v128.and(v, sign)));
      if (wide) {
        const s = sum + (<usize>j << 3);
        const lo = f64x2.promote_low_f32x4(v);
        const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
        v128.store(s, f64x2.add(v128.load(s), f64x2.mul(lo, lo)));
        v128.store(s, f64x2.add(v128.load(s, 16), f64x2.mul(hi, hi)), 16);
      } else {
        const s = sum + o;
        v128.store(s, f32x4.add(v128.load(s), f32x4.mul(v, v)));
      }
    }
    for (; j < cols; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      const m = amax + (<usize>j << 2);
      if (abs<f32>(v) > load<f32>(m)) store<f32>(m, abs<f32>(v));
      if (wide) {
        const s = sum + (<usize>j << 3);
        store<f64>(s, load<f64>(s) + <f64>v * <f64>v);
      } else {
        const s = sum + (<usize>j << 2);
        store<f32>(s, load<f32>(s) + v * v);
      }
    }
  }
}

/**
 * From the sums and maxima of columnSquares, per vector: the normalising factor `inv` (float32
 * for `wide` 0, float64 for 1), the scale s (float32 at `scale`, float64 at `s64`), max(s, 1e-300)
 * at `sdiv`; and the three float64 sums at sx, sa, sr zeroed for quantizeColumns.
 */
function vectorScales(count: i32, wide: i32, sum: usize, amax: usize, inv: usize, scale: usize, s64: usize, sdiv: usize, sx: usize, sa: usize, sr: usize): void {
  for (let j: i32 = 0; j < count; j++) {
    const o4 = <usize>j << 2,
      o8 = <usize>j << 3;
    const m = load<f32>(amax + o4);
    let top: f32;
    if (wide) {
      const ss = load<f64>(sum + o8);
      const k: f64 = ss > 0 ? 1.0 / sqrt<f64>(ss) : 0.0;
      store<f64>(inv + o8, k);
      top = <f32>(<f64>m * k);
    } else {
      // onnxruntime: Max(Sqrt(sum), 1e-30) then Reciprocal, all float32.
      const k: f32 = <f32>1.0 / max<f32>(sqrt<f32>(load<f32>(sum + o4)), <f32>1e-30);
      store<f32>(inv + o4, k);
      top = m * k;
    }
    const s = <f32>(<f64>top / 127.0);
    store<f32>(scale + o4, s);
    store<f64>(s64 + o8, <f64>s);
    store<f64>(sdiv + o8, max<f64>(<f64>s, 1e-300));
    store<f64>(sx + o8, 0.0);
    store<f64>(sa + o8, 0.0);
    store<f64>(sr + o8, 0.0);
  }
}

/** Rows per block of quantizeColumns (with 2048 vectors a row, 1 MiB of float32). */
const QUANTIZE_BLOCK_ROWS: i32 = 128;

/** 1.5·2⁵²: y + RINT − RINT is y rounded to an integer half to even (|y| < 2⁵¹), as in int8QuantizeRows.ts. */
const RINT: f64 = 6755399441055744.0;

/**
 * Quantizes `rows` rows of x (row-major, `ld` floats per row, the vectors in its first `cols`
 * columns) with the per-vector values of vectorScales: q as int8 into the row-major q (`ldq`
 * bytes per row), the sums of squares accumulated in row order. Four columns at a time down all the
 * rows, so that their sums stay in registers; y + RINT holds q in its low bits (two's complement),
 * whose low bytes are the int8 values.
 */
function quantizeColumns(
  x: usize,
  rows: i32,
  cols: i32,
  ld: i32,
  wide: i32,
  inv: usize,
  s64: usize,
  sdiv: usize,
  q: usize,
  ldq: i32,
  sx: usize,
  sa: usize,
  sr: usize,
): void {
  // Blocks of rows, so that the strips of one block find its rows in cache.
  for (let i0: i32 = 0; i0 < rows; i0 += QUANTIZE_BLOCK_ROWS) {
    const ldb = <usize>ld << 2;
    quantizeStrips(x + <usize>i0 * ldb, min(QUANTIZE_BLOCK_ROWS, rows - i0), cols, ld, wide, inv, s64, sdiv, q + <usize>i0 * <usize>ldq, ldq, sx, sa, sr);
  }
}

/** quantizeColumns on one block of rows. */
function quantizeStrips(
  x: usize,
  rows: i32,
  cols: i32,
  ld: i32,
  wide: i32,
  inv: usize,
  s64: usize,
  sdiv: usize,
  q: usize,
  ldq: i32,
  sx: usize,
  sa: usize,
  sr: usize,
): void {
  const ldb = <usize>ld << 2,
    ldo = <usize>ldq;
  const rint = f64x2.splat(RINT);
  let j: i32 = 0;
  for (; j + 4 <= cols; j += 4) {
    const o4 = <usize>j << 2,
      o8 = <usize>j << 3;
    const inv32 = v128.load(inv + o4),
      invLo = v128.load(inv + o8),
      invHi = v128.load(inv + o8, 16);
    const sLo = v128.load(s64 + o8),
      sHi = v128.load(s64 + o8, 16);
    const dLo = v128.load(sdiv + o8),
      dHi = v128.load(sdiv + o8, 16);
    let sxLo = v128.load(sx + o8),
      sxHi = v128.load(sx + o8, 16);
    let saLo = v128.load(sa + o8),
      saHi = v128.load(sa + o8, 16);
    let srLo = v128.load(sr + o8),
      srHi = v128.load(sr + o8, 16);
    let from = x + o4,
      to = q + <usize>j;
    for (let i: i32 = 0; i < rows; i++) {
      const v = v128.load(from);
      let xLo: v128, xHi: v128;
      if (wide) {
        const pLo = f64x2.mul(f64x2.promote_low_f32x4(v), invLo);
        const pHi = f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), invHi);
        xLo = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(pLo));
        xHi = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(pHi));
      } else {
        const xn = f32x4.mul(v, inv32);
        xLo = f64x2.promote_low_f32x4(xn);
        xHi = f64x2.promote_low_f32x4(i32x4.shuffle(xn, xn, 2, 3, 0, 1));
      }
      const tLo = f64x2.add(f64x2.div(xLo, dLo), rint),
        tHi = f64x2.add(f64x2.div(xHi, dHi), rint);
      const aLo = f64x2.mul(f64x2.sub(tLo, rint), sLo),
        aHi = f64x2.mul(f64x2.sub(tHi, rint), sHi);
      const rLo = f64x2.sub(xLo, aLo),
        rHi = f64x2.sub(xHi, aHi);
      sxLo = f64x2.add(sxLo, f64x2.mul(xLo, xLo));
      sxHi = f64x2.add(sxHi, f64x2.mul(xHi, xHi));
      saLo = f64x2.add(saLo, f64x2.mul(aLo, aLo));
      saHi = f64x2.add(saHi, f64x2.mul(aHi, aHi));
      srLo = f64x2.add(srLo, f64x2.mul(rLo, rLo));
      srHi = f64x2.add(srHi, f64x2.mul(rHi, rHi));
      v128.store32_lane(to, i8x16.shuffle(tLo, tHi, 0, 8, 16, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0);
      from += ldb;
      to += ldo;
    }
    v128.store(sx + o8, sxLo);
    v128.store(sx + o8, sxHi, 16);
    v128.store(sa + o8, saLo);
    v128.store(sa + o8, saHi, 16);
    v128.store(sr + o8, srLo);
    v128.store(sr + o8, srHi, 16);
  }
  for (; j < cols; j++) {
    const o8 = <usize>j << 3;
    const k32 = load<f32>(inv + (<usize>j << 2)),
      k64 = load<f64>(inv + o8);
    const s = load<f64>(s64 + o8),
      d = load<f64>(sdiv + o8);
    let ssx = load<f64>(sx + o8),
      ssa = load<f64>(sa + o8),
      ssr = load<f64>(sr + o8);
    for (let i: i32 = 0; i < rows; i++) {
      const v = load<f32>(x + <usize>i * ldb + (<usize>j << 2));
      const xn: f64 = wide ? <f64>(<f32>(<f64>v * k64)) : <f64>(v * k32);
      const t = xn / d + RINT;
      const a = (t - RINT) * s;
      const r = xn - a;
      ssx += xn * xn;
      ssa += a * a;
      ssr += r * r;
      store<i8>(q + <usize>i * ldo + <usize>j, <i8>reinterpret<i64>(t));
    }
    store<f64>(sx + o8, ssx);
    store<f64>(sa + o8, ssa);
    store<f64>(sr + o8, ssr);
  }
}

/** Bytes 0–7 of a and b interleaved (a₀ b₀ a₁ b₁ …). */
@inline
function lowBytes(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

/** Bytes 8–15 of a and b interleaved. */
@inline
function highBytes(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

/** One 16×16 tile of int8TransposeOffset: rows from `from` (stride ldc), transposed and flipped to `to` (stride ldr). */
@inline
function transposeTile(from: usize, ldc: usize, to: usize, ldr: usize, flip: v128): void {
    let r0 = v128.load(from + 0 * ldc);
    let r1 = v128.load(from + 1 * ldc);
    let r2 = v128.load(from + 2 * ldc);
    let r3 = v128.load(from + 3 * ldc);
    let r4 = v128.load(from + 4 * ldc);
    let r5 = v128.load(from + 5 * ldc);
    let r6 = v128.load(from + 6 * ldc);
    let r7 = v128.load(from + 7 * ldc);
    let r8 = v128.load(from + 8 * ldc);
    let r9 = v128.load(from + 9 * ldc);
    let r10 = v128.load(from + 10 * ldc);
    let r11 = v128.load(from + 11 * ldc);
    let r12 = v128.load(from + 12 * ldc);
    let r13 = v128.load(from + 13 * ldc);
    let r14 = v128.load(from + 14 * ldc);
    let r15 = v128.load(from + 15 * ldc);
    for (let round = 0; round < 4; round++) {
      const t0 = lowBytes(r0, r8), t1 = highBytes(r0, r8), t2 = lowBytes(r1, r9), t3 = highBytes(r1, r9), t4 = lowBytes(r2, r10), t5 = highBytes(r2, r10), t6 = lowBytes(r3, r11), t7 = highBytes(r3, r11), t8 = lowBytes(r4, r12), t9 = highBytes(r4, r12), t10 = lowBytes(r5, r13), t11 = highBytes(r5, r13), t12 = lowBytes(r6, r14), t13 = highBytes(r6, r14), t14 = lowBytes(r7, r15), t15 = highBytes(r7, r15);
      r0 = t0;
      r1 = t1;
      r2 = t2;
      r3 = t3;
      r4 = t4;
      r5 = t5;
      r6 = t6;
      r7 = t7;
      r8 = t8;
      r9 = t9;
      r10 = t10;
      r11 = t11;
      r12 = t12;
      r13 = t13;
      r14 = t14;
      r15 = t15;
    }
    
    v128.store(to + 0 * ldr, v128.xor(r0, flip));
    v128.store(to + 1 * ldr, v128.xor(r1, flip));
    v128.store(to + 2 * ldr, v128.xor(r2, flip));
    v128.store(to + 3 * ldr, v128.xor(r3, flip));
    v128.store(to + 4 * ldr, v128.xor(r4, flip));
    v128.store(to + 5 * ldr, v128.xor(r5, flip));
    v128.store(to + 6 * ldr, v128.xor(r6, flip));
    v128.store(to + 7 * ldr, v128.xor(r7, flip));
    v128.store(to + 8 * ldr, v128.xor(r8, flip));
    v128.store(to + 9 * ldr, v128.xor(r9, flip));
    v128.store(to + 10 * ldr, v128.xor(r10, flip));
    v128.store(to + 11 * ldr, v128.xor(r11, flip));
    v128.store(to + 12 * ldr, v128.xor(r12, flip));
    v128.store(to + 13 * ldr, v128.xor(r13, flip));
    v128.store(to + 14 * ldr, v128.xor(r14, flip));
    v128.store(to + 15 * ldr, v128.xor(r15, flip));
}

/**
 * dst (cols×rows, uint8, `ldd` bytes per row) = srcᵀ + 128 for the row-major int8 src (rows×cols,
 * `lds` bytes per row): the left operand of the integer product (q + 128, one vector per row) from
 * q laid out one vector per column. +128 on an int8 is its top bit flipped. 16×16 tiles: interleaving rows k and k + 8 byte by byte (rows
 * 2k and 2k + 1 of the result) rotates the 8 bits of (row, column) by one, so four rounds swap them.
 */
function transposeBytes(src: usize, rows: i32, cols: i32, lds: i32, dst: usize, ldd: i32): void {
  const flip = i8x16.splat(<i8>0x80);
  const ldr = <usize>ldd,
    ldc = <usize>lds;
  const rows16 = rows & ~15,
    cols16 = cols & ~15;
  // 64×64 blocks of tiles: each block reads and writes 64 whole cache lines.
  for (let bi: i32 = 0; bi < rows16; bi += 64) {
    for (let bj: i32 = 0; bj < cols16; bj += 64) {
      for (let i0 = bi; i0 < min(bi + 64, rows16); i0 += 16) {
        for (let j0 = bj; j0 < min(bj + 64, cols16); j0 += 16) transposeTile(src + <usize>i0 * ldc + <usize>j0, ldc, dst + <usize>j0 * ldr + <usize>i0, ldr, flip);
      }
    }
  }
  for (let i: i32 = 0; i < rows; i++) {
    for (let j = i < rows16 ? cols16 : 0; j < cols; j++) store<u8>(dst + <usize>j * ldr + <usize>i, load<u8>(src + <usize>i * ldc + <usize>j) ^ 0x80);
  }
}

/**
 * dst (cols×rows float32, `ldd` floats per row) = srcᵀ for the row-major src (rows×cols, `lds`
 * per row): a block of a weight's rows laid out one vector per column for the kernels above.
 * 4×4 tiles, two rounds of the interleave of int8TransposeOffset.
 */
function transposeFloats(src: usize, rows: i32, cols: i32, lds: i32, dst: usize, ldd: i32): void {
  const ls = <usize>lds << 2,
    ldb = <usize>ldd << 2;
  let i0: i32 = 0;
  for (; i0 + 4 <= rows; i0 += 4) {
    let j0: i32 = 0;
    const from = src + <usize>i0 * ls;
    for (; j0 + 4 <= cols; j0 += 4) {
      const o = <usize>j0 << 2;
      const r0 = v128.load(from + o),
        r1 = v128.load(from + ls + o),
        r2 = v128.load(from + 2 * ls + o),
        r3 = v128.load(from + 3 * ls + o);
      const t0 = i32x4.shuffle(r0, r2, 0, 4, 1, 5),
        t1 = i32x4.shuffle(r0, r2, 2, 6, 3, 7),
        t2 = i32x4.shuffle(r1, r3, 0, 4, 1, 5),
        t3 = i32x4.shuffle(r1, r3, 2, 6, 3, 7);
      const to = dst + <usize>j0 * ldb + (<usize>i0 << 2);
      v128.store(to, i32x4.shuffle(t0, t2, 0, 4, 1, 5));
      v128.store(to + ldb, i32x4.shuffle(t0, t2, 2, 6, 3, 7));
      v128.store(to + 2 * ldb, i32x4.shuffle(t1, t3, 0, 4, 1, 5));
      v128.store(to + 3 * ldb, i32x4.shuffle(t1, t3, 2, 6, 3, 7));
    }
    for (let i = i0; i < i0 + 4; i++) for (let j = j0; j < cols; j++) store<f32>(dst + <usize>j * ldb + (<usize>i << 2), load<f32>(src + <usize>i * ls + (<usize>j << 2)));
  }
  for (let i = i0; i < rows; i++) for (let j: i32 = 0; j < cols; j++) store<f32>(dst + <usize>j * ldb + (<usize>i << 2), load<f32>(src + <usize>i * ls + (<usize>j << 2)));
}

// The exported steps below share their work between threads: each call takes the next chunk from
// the shared counter at `counter` (an i32, zero before the first call) until none is left, so that
// a thread slowed by other work on its core takes fewer chunks. Chunks do not depend on one another.

/** The next chunk for this thread, counting from 0. */
@inline
function nextChunk(counter: usize): i32 {
  return atomic.add<i32>(counter, 1);
}

/**
 * transposeBytes of a row-major int8 src (rows×cols, `lds` bytes per row) into dst (`ldd`
 * bytes per row), `chunk` rows of src (a multiple of 16) at a time.
 */
export function int8TransposeOffset(src: usize, rows: i32, cols: i32, lds: i32, dst: usize, ldd: i32, counter: usize, chunk: i32): void {
  for (let c = nextChunk(counter); c * chunk < rows; c = nextChunk(counter)) {
    const i0 = c * chunk;
    transposeBytes(src + <usize>i0 * <usize>lds, min(chunk, rows - i0), cols, lds, dst + <usize>i0, ldd);
  }
}

/**
 * Everything for the m vectors stored as columns of x (n rows, `ld` floats per row), `chunk` (a
 * multiple of 16) at a time: their float32 sums of squares and maxima (`sum`, `amax` zero on
 * entry), normalisation as onnxruntime's columnNormalize, quantization, q as int8 into the
 * row-major q (`ldq` bytes per row) and the sums at sx, sa, sr.
 */
export function int8QuantizeColumnVectors(
  x: usize,
  n: i32,
  m: i32,
  ld: i32,
  sum: usize,
  amax: usize,
  inv: usize,
  scale: usize,
  s64: usize,
  sdiv: usize,
  sx: usize,
  sa: usize,
  sr: usize,
  q: usize,
  ldq: i32,
  counter: usize,
  chunk: i32,
): void {
  for (let c = nextChunk(counter); c * chunk < m; c = nextChunk(counter)) {
    const j0 = c * chunk;
    const cols = min(chunk, m - j0);
    const o4 = <usize>j0 << 2,
      o8 = <usize>j0 << 3;
    columnSquares(x + o4, n, cols, ld, 0, sum + o4, amax + o4);
    vectorScales(cols, 0, sum + o4, amax + o4, inv + o4, scale + o4, s64 + o8, sdiv + o8, sx + o8, sa + o8, sr + o8);
    quantizeColumns(x + o4, n, cols, ld, 0, inv + o4, s64 + o8, sdiv + o8, q + <usize>j0, ldq, sx + o8, sa + o8, sr + o8);
  }
}

/**
 * Everything for the m vectors stored as rows of x (`n` values each, `ld` floats per row),
 * normalised as scaleRowsToUnit does: `block` rows (a multiple of 16) at a time transposed into
 * `xt` (n·block floats of this thread's scratch) and handled as columns, with float64 sums (`sum`,
 * `amax` zero on entry). q goes column by column into the row-major q (`ldq` bytes per row: vector
 * r is column r).
 */
export function int8QuantizeRowVectors(
  x: usize,
  m: i32,
  n: i32,
  ld: i32,
  xt: usize,
  block: i32,
  sum: usize,
  amax: usize,
  inv: usize,
  scale: usize,
  s64: usize,
  sdiv: usize,
  sx: usize,
  sa: usize,
  sr: usize,
  q: usize,
  ldq: i32,
  counter: usize,
): void {
  for (let b = nextChunk(counter); b * block < m; b = nextChunk(counter)) {
    const r0 = b * block;
    const c = min(block, m - r0);
    const o4 = <usize>r0 << 2,
      o8 = <usize>r0 << 3;
    transposeFloats(x + <usize>r0 * (<usize>ld << 2), c, n, ld, xt, c);
    columnSquares(xt, n, c, c, 1, sum + o8, amax + o4);
    vectorScales(c, 1, sum + o8, amax + o4, inv + o8, scale + o4, s64 + o8, sdiv + o8, sx + o8, sa + o8, sr + o8);
    quantizeColumns(xt, n, c, c, 1, inv + o8, s64 + o8, sdiv + o8, q + <usize>r0, ldq, sx + o8, sa + o8, sr + o8);
  }
}
