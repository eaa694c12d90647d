/**
 * Safetensors element types and their conversion to float32, the one type the engine computes in.
 * Every decoder reads little-endian bytes (the safetensors byte order; every platform
 * onnxruntime-node ships for is little-endian too, so typed-array views read them directly).
 */

/** Element types a safetensors header may name (the format's own spelling). */
export const DTYPES = ['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL'] as const;
export type DType = (typeof DTYPES)[number];

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

const DTYPE_SET: ReadonlySet<string> = new Set(DTYPES);

export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && DTYPE_SET.has(s);
}

/** Whether the values are floating point (so NaN/Inf can occur and histograms are continuous). */
export function isFloatDType(d: DType): boolean {
  return d === 'F64' || d === 'F32' || d === 'F16' || d === 'BF16' || d === 'F8_E4M3' || d === 'F8_E5M2';
}

/** Float32 bit pattern of an IEEE binary16 value: exact, subnormals included, NaN payload kept quiet. */
function halfToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half: normalise the mantissa; every half subnormal is a normal float32.
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

let halfTable: Uint32Array | null = null;
/** All 65536 half values as float32 bits: one table load beats bit-twiddling per element. */
function f16Table(): Uint32Array {
  if (!halfTable) {
    halfTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToF32Bits(h);
  }
  return halfTable;
}

/** float8 e4m3fn (PyTorch `float8_e4m3fn`): bias 7, no infinities, S.1111.111 is NaN, max 448. */
function e4m3ToF32(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> 3) & 0xf;
  const mant = b & 7;
  if (exp === 0xf && mant === 7) return NaN;
  if (exp === 0) return sign * (mant / 8) * 2 ** -6;
  return sign * (1 + mant / 8) * 2 ** (exp - 7);
}

let e4m3Table: Float32Array | null = null;
let e5m2Table: Uint32Array | null = null;
function f8e4m3Table(): Float32Array {
  if (!e4m3Table) {
    e4m3Table = new Float32Array(256);
    for (let b = 0; b < 256; b++) e4m3Table[b] = e4m3ToF32(b);
  }
  return e4m3Table;
}
/** float8 e5m2 is the top byte of an IEEE half, so the half table decodes it. */
function f8e5m2Table(): Uint32Array {
  if (!e5m2Table) {
    const half = f16Table();
    e5m2Table = new Uint32Array(256);
    for (let b = 0; b < 256; b++) e5m2Table[b] = half[b << 8];
  }
  return e5m2Table;
}

/** `src` viewed as the typed array `T`, copied first only when its byte offset is misaligned. */
function view<T>(src: Uint8Array, bytes: number, make: (buf: ArrayBufferLike, off: number, n: number) => T): T {
  const n = src.byteLength / bytes;
  const aligned = src.byteOffset % bytes === 0 ? src : src.slice();
  return make(aligned.buffer, aligned.byteOffset, n);
}

/**
 * BF16 is the top half of a float32, so each value is one shift. Reading the source as 32-bit words
 * (two values each) halves the loads; this loop is what makes a BF16 read keep pace with the disk.
 */
function bf16Into(src: Uint8Array, out: Float32Array, at: number): void {
  const n = src.byteLength >> 1;
  const o32 = new Uint32Array(out.buffer, out.byteOffset + at * 4, n);
  if (src.byteOffset % 4 === 0) {
    const pairs = n >> 1;
    const w = new Uint32Array(src.buffer, src.byteOffset, pairs);
    for (let i = 0, j = 0; i < pairs; i++, j += 2) {
      const x = w[i];
      o32[j] = x << 16;
      o32[j + 1] = x & 0xffff0000;
    }
    if (n & 1) o32[n - 1] = (src[2 * n - 2] << 16) | (src[2 * n - 1] << 24);
    return;
  }
  const s16 = view(src, 2, (b, o, k) => new Uint16Array(b, o, k));
  for (let i = 0; i < n; i++) o32[i] = s16[i] << 16;
}

/** Low 32 bits + high 32 bits × 2³²: exact up to 2⁵³, then the nearest double; no BigInt per element. */
function int64Into(src: Uint8Array, out: Float32Array, at: number, signed: boolean): void {
  const w = view(src, 4, (b, o, k) => new Uint32Array(b, o, k));
  const n = w.length >> 1;
  for (let i = 0; i < n; i++) {
    const lo = w[2 * i];
    const hi = signed ? w[2 * i + 1] | 0 : w[2 * i + 1];
    out[at + i] = hi * 4294967296 + lo;
  }
}

/**
 * Decodes `src` (whole elements of `dtype`, little-endian) into `out[at …]`. `out` must have room for
 * `src.byteLength / DTYPE_BYTES[dtype]` values from `at`.
 */
export function decodeInto(dtype: DType, src: Uint8Array, out: Float32Array, at = 0): void {
  const eb = DTYPE_BYTES[dtype];
  if (src.byteLength % eb !== 0) throw new Error(`${src.byteLength} bytes is not a whole number of ${dtype} values`);
  const n = src.byteLength / eb;
  if (at < 0 || at + n > out.length) throw new Error(`decoding ${n} ${dtype} values at ${at} overflows an output of ${out.length}`);
  switch (dtype) {
    case 'F32':
      out.set(
        view(src, 4, (b, o, k) => new Float32Array(b, o, k)),
        at,
      );
      return;
    case 'BF16':
      bf16Into(src, out, at);
      return;
    case 'F16': {
      const t = f16Table();
      const s = view(src, 2, (b, o, k) => new Uint16Array(b, o, k));
      const o32 = new Uint32Array(out.buffer, out.byteOffset + at * 4, n);
      for (let i = 0; i < n; i++) o32[i] = t[s[i]];
      return;
    }
    case 'F64':
      out.set(
        view(src, 8, (b, o, k) => new Float64Array(b, o, k)),
        at,
      );
      return;
    case 'F8_E4M3': {
      const t = f8e4m3Table();
      for (let i = 0; i < n; i++) out[at + i] = t[src[i]];
      return;
    }
    case 'F8_E5M2': {
      const t = f8e5m2Table();
      const o32 = new Uint32Array(out.buffer, out.byteOffset + at * 4, n);
      for (let i = 0; i < n; i++) o32[i] = t[src[i]];
      return;
    }
    case 'I8':
      out.set(new Int8Array(src.buffer, src.byteOffset, n), at);
      return;
    case 'U8':
      out.set(src, at);
      return;
    case 'BOOL':
      // Any non-zero byte is true; a bare copy would turn a stray 0xff into 255.
      for (let i = 0; i < n; i++) out[at + i] = src[i] === 0 ? 0 : 1;
      return;
    case 'I16':
      out.set(
        view(src, 2, (b, o, k) => new Int16Array(b, o, k)),
        at,
      );
      return;
    case 'U16':
      out.set(
        view(src, 2, (b, o, k) => new Uint16Array(b, o, k)),
        at,
      );
      return;
    case 'I32':
      out.set(
        view(src, 4, (b, o, k) => new Int32Array(b, o, k)),
        at,
      );
      return;
    case 'U32':
      out.set(
        view(src, 4, (b, o, k) => new Uint32Array(b, o, k)),
        at,
      );
      return;
    case 'I64':
      int64Into(src, out, at, true);
      return;
    case 'U64':
      int64Into(src, out, at, false);
      return;
  }
}

/** Convenience: a fresh Float32Array with the decoded values. */
export function decodeToF32(dtype: DType, src: Uint8Array): Float32Array {
  const out = new Float32Array(src.byteLength / DTYPE_BYTES[dtype]);
  decodeInto(dtype, src, out, 0);
  return out;
}
