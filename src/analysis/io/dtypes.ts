/**
 * Safetensors element types and their conversion to float32, the one type the engine computes in.
 * Every decoder reads little-endian bytes (the safetensors byte order; every platform
 * onnxruntime-node ships for is little-endian too, so typed-array views read them directly).
 */
import { E4M3_WASM_MIN_VALUES, e4m3Wasm } from './wasm/e4m3Wasm';

/**
 * Element types a safetensors header may name (the format's own spelling): every variant of the
 * reference implementation's `Dtype` enum (huggingface/safetensors `safetensors/src/tensor.rs`),
 * which `@huggingface/hub`'s `Dtype` (`packages/hub/src/lib/parse-safetensors-metadata.ts`) also
 * lists. The hub's extra spellings `E8M0`, `UE8` and `FP4` are not format dtypes (the reference
 * reader refuses a file that names them), so they stay unknown here.
 */
export const DTYPES = [
  'F64',
  'F32',
  'F16',
  'BF16',
  'F8_E4M3',
  'F8_E5M2',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
  'C64',
  'I64',
  'I32',
  'I16',
  'I8',
  'U64',
  'U32',
  'U16',
  'U8',
  'BOOL',
] as const;
export type DType = (typeof DTYPES)[number];

/**
 * Bits per element, `Dtype::bitsize` of the reference. A tensor's byte length is
 * `elements · bits / 8`, and the reference refuses a tensor whose `elements · bits` is not a whole
 * number of bytes (`Metadata::validate`: `nbits % 8 != 0` → `MisalignedSlice`): an F4 tensor holds an
 * even number of values, an F6 tensor a multiple of 4.
 */
export const DTYPE_BITS: Readonly<Record<DType, number>> = {
  F64: 64,
  F32: 32,
  F16: 16,
  BF16: 16,
  F8_E4M3: 8,
  F8_E5M2: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  F8_E8M0: 8,
  F6_E2M3: 6,
  F6_E3M2: 6,
  F4: 4,
  C64: 64,
  I64: 64,
  I32: 32,
  I16: 16,
  I8: 8,
  U64: 64,
  U32: 32,
  U16: 16,
  U8: 8,
  BOOL: 8,
};

/** Bytes per element, `DTYPE_BITS / 8`: a fraction for the packed sub-byte types (F4 0.5, F6 0.75). */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = Object.fromEntries(DTYPES.map((d) => [d, DTYPE_BITS[d] / 8])) as Record<DType, number>;

/** Bytes that `count` elements of `dtype` occupy, or null when they do not end on a byte boundary. */
export function byteLengthOf(dtype: DType, count: number): number | null {
  const bits = count * DTYPE_BITS[dtype];
  return Number.isSafeInteger(bits) && bits % 8 === 0 ? bits / 8 : null;
}

const DTYPE_SET: ReadonlySet<string> = new Set(DTYPES);

export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && DTYPE_SET.has(s);
}

/**
 * Types a file may hold that Layer Lens lists but cannot turn into real numbers: C64 is complex
 * (two float32 parts), and the F6 types are packed 6-bit codes whose bit order inside the bytes no
 * reference defines (torch has no float6 dtype, safetensors' bindings map none, and ml_dtypes keeps
 * one float6 per byte), so any order we chose could decode wrong values silently.
 */
export const NOT_DECODABLE: ReadonlySet<DType> = new Set<DType>(['C64', 'F6_E2M3', 'F6_E3M2']);

export function isDecodable(d: DType): boolean {
  return !NOT_DECODABLE.has(d);
}

const WHY_NOT: Partial<Record<DType, string>> = {
  C64: 'complex64 values have two parts and no single real value',
  F6_E2M3: 'the safetensors format does not define how 6-bit values are packed into bytes',
  F6_E3M2: 'the safetensors format does not define how 6-bit values are packed into bytes',
};

/** Thrown when the values of a not-decodable dtype are asked for; the message names tensor and dtype. */
export class NotDecodableError extends Error {
  constructor(
    readonly dtype: DType,
    readonly tensor?: string,
  ) {
    super(
      `${tensor ? `tensor '${tensor}' is ${dtype}, which` : `${dtype}`} is not decodable: ${WHY_NOT[dtype] ?? 'no decoder'}. Its values cannot be read as numbers (it is still listed with its shape and size).`,
    );
    this.name = 'NotDecodableError';
  }
}

/** Whether the values are floating point (so NaN/Inf can occur and histograms are continuous). */
export function isFloatDType(d: DType): boolean {
  return (
    d === 'F64' ||
    d === 'F32' ||
    d === 'F16' ||
    d === 'BF16' ||
    d === 'F8_E4M3' ||
    d === 'F8_E5M2' ||
    d === 'F8_E4M3FNUZ' ||
    d === 'F8_E5M2FNUZ' ||
    d === 'F8_E8M0' ||
    d === 'F6_E2M3' ||
    d === 'F6_E3M2' ||
    d === 'F4'
  );
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

/**
 * float8 e4m3fnuz and e5m2fnuz (the `F8_E4M3FNUZ` / `F8_E5M2FNUZ` the reference links to
 * arXiv 2206.02915; PyTorch `float8_e4m3fnuz` / `float8_e5m2fnuz`): biases 8 and 16, no infinities,
 * no negative zero: 0x80 is the only NaN and every other pattern, exponent all ones included, is
 * finite (maxima 240 and 57344).
 */
function fnuzToF32(b: number, expBits: number, mantBits: number, bias: number): number {
  if (b === 0x80) return NaN;
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> mantBits) & ((1 << expBits) - 1);
  const mant = b & ((1 << mantBits) - 1);
  if (exp === 0) return sign * (mant / 2 ** mantBits) * 2 ** (1 - bias);
  return sign * (1 + mant / 2 ** mantBits) * 2 ** (exp - bias);
}

/**
 * E8M0 (OCP Microscaling Formats MX v1.0, section 5.4.1, "E8M0": the MX shared-scale type; PyTorch
 * `float8_e8m0fnu`): eight exponent bits, bias 127, no sign, no mantissa, no zero, no infinities;
 * 0xFF is NaN and every other byte e is exactly 2^(e − 127) (0 → 2^−127, a float32 subnormal).
 */
function e8m0ToF32(b: number): number {
  return b === 0xff ? NaN : 2 ** (b - 127);
}

const byteTables = new Map<string, Float32Array>();
function byteTable(key: 'F8_E4M3FNUZ' | 'F8_E5M2FNUZ' | 'F8_E8M0'): Float32Array {
  let t = byteTables.get(key);
  if (!t) {
    t = new Float32Array(256);
    for (let b = 0; b < 256; b++) t[b] = key === 'F8_E8M0' ? e8m0ToF32(b) : key === 'F8_E4M3FNUZ' ? fnuzToF32(b, 4, 3, 8) : fnuzToF32(b, 5, 2, 16);
    byteTables.set(key, t);
  }
  return t;
}

/**
 * FP4 E2M1 (OCP MX v1.0, section 5.3.3: bias 1, one mantissa bit, no infinities or NaN): code →
 * value. The safetensors `F4` is PyTorch's `float4_e2m1fn_x2` (the bindings map one to the other),
 * whose definition (pytorch `torch/headeronly/util/Float4_e2m1fn_x2.h`) packs two values a byte with
 * the first value in bits 3…0 and the second in bits 7…4.
 */
const E2M1: readonly number[] = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/** Two F4 values per byte, low nibble first (see E2M1). */
function f4Into(src: Uint8Array, out: Float32Array, at: number): void {
  for (let i = 0; i < src.length; i++) {
    const b = src[i];
    out[at + 2 * i] = E2M1[b & 0x0f];
    out[at + 2 * i + 1] = E2M1[b >> 4];
  }
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
 * `src.byteLength · 8 / DTYPE_BITS[dtype]` values from `at`. A not-decodable dtype throws
 * `NotDecodableError`.
 */
export function decodeInto(dtype: DType, src: Uint8Array, out: Float32Array, at = 0): void {
  if (NOT_DECODABLE.has(dtype)) throw new NotDecodableError(dtype);
  const bits = DTYPE_BITS[dtype];
  if ((src.byteLength * 8) % bits !== 0) throw new Error(`${src.byteLength} bytes is not a whole number of ${dtype} values`);
  const n = (src.byteLength * 8) / bits;
  if (at < 0 || at + n > out.length) throw new Error(`decoding ${n} ${dtype} values at ${at} overflows an output of ${out.length}`);
  switch (dtype) {
    case 'F8_E4M3FNUZ':
    case 'F8_E5M2FNUZ':
    case 'F8_E8M0': {
      const t = byteTable(dtype);
      for (let i = 0; i < n; i++) out[at + i] = t[src[i]];
      return;
    }
    case 'F4':
      f4Into(src, out, at);
      return;
    case 'C64':
    case 'F6_E2M3':
    case 'F6_E3M2':
      throw new NotDecodableError(dtype);
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
      if (n >= E4M3_WASM_MIN_VALUES && e4m3Wasm(src.subarray(0, n), out, at)) return; // WASM SIMD, the same values
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
  const out = new Float32Array((src.byteLength * 8) / DTYPE_BITS[dtype]);
  decodeInto(dtype, src, out, 0);
  return out;
}
