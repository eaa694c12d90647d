/**
 * BF16 → F32 at memory speed. A JavaScript loop converts ~1 GiB/s here, several times slower than
 * reading the same bytes from the page cache, so large BF16 tensors go through a ~200-byte WASM SIMD
 * kernel instead, and without any copy: the result Float32Array lives in its own WebAssembly.Memory,
 * each chunk's BF16 bytes are read straight into the upper half of that chunk's own destination,
 * and the kernel widens them in place (forward, so every load happens before the stores that
 * overwrite it). The main thread then does only the widening while libuv reads the next chunk.
 *
 * The module, by hand (WebAssembly text):
 *   (func (export "expand") (param $dst i32) (param $src i32) (param $bytes i32)
 *     (local $end i32) (local $v v128)
 *     end = src + bytes
 *     block  br_if 0 (src >= end)
 *       loop
 *         v = v128.load(src)
 *         v128.store offset=0  (dst, i8x16.shuffle(0, v, [0 0 16 17  0 0 18 19  0 0 20 21  0 0 22 23]))
 *         v128.store offset=16 (dst, i8x16.shuffle(0, v, [0 0 24 25  0 0 26 27  0 0 28 29  0 0 30 31]))
 *         dst += 32;  src += 16;  br_if 0 (src < end)
 *       end
 *     end)
 * Each 16-byte load holds 8 BF16 values; each becomes the top half of a float32 whose low half is 0.
 */

const ZERO16 = new Array<number>(16).fill(0);
const LO = [0, 0, 16, 17, 0, 0, 18, 19, 0, 0, 20, 21, 0, 0, 22, 23];
const HI = [0, 0, 24, 25, 0, 0, 26, 27, 0, 0, 28, 29, 0, 0, 30, 31];

/** Unsigned LEB128, the encoding of every size in a WASM binary. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}
const ascii = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

const BODY = [
  2,
  1,
  0x7f,
  1,
  0x7b, // locals: 1 × i32 ($end = 3), 1 × v128 ($v = 4)
  0x20,
  1,
  0x20,
  2,
  0x6a,
  0x21,
  3, // end = src + bytes
  0x02,
  0x40,
  0x20,
  1,
  0x20,
  3,
  0x4f,
  0x0d,
  0, // block; br_if 0 (src >= end)
  0x03,
  0x40, // loop
  0x20,
  1,
  0xfd,
  0x00,
  0,
  0,
  0x21,
  4, // v = v128.load(src)
  0x20,
  0,
  0xfd,
  0x0c,
  ...ZERO16,
  0x20,
  4,
  0xfd,
  0x0d,
  ...LO,
  0xfd,
  0x0b,
  0,
  0, // store(dst, lo)
  0x20,
  0,
  0xfd,
  0x0c,
  ...ZERO16,
  0x20,
  4,
  0xfd,
  0x0d,
  ...HI,
  0xfd,
  0x0b,
  0,
  16, // store(dst + 16, hi)
  0x20,
  0,
  0x41,
  32,
  0x6a,
  0x21,
  0, // dst += 32
  0x20,
  1,
  0x41,
  16,
  0x6a,
  0x22,
  1,
  0x20,
  3,
  0x49,
  0x0d,
  0, // src += 16; br_if 0 (src < end)
  0x0b,
  0x0b,
  0x0b, // end loop, end block, end func
];

const MODULE_BYTES = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]), // type 0: (i32, i32, i32) → ()
  ...section(2, [1, ...ascii('env'), ...ascii('memory'), 0x02, 0x00, 0x00]), // import env.memory, min 0 pages
  ...section(3, [1, 0]), // func 0 has type 0
  ...section(7, [1, ...ascii('expand'), 0x00, 0]), // export "expand" = func 0
  ...section(10, [1, ...leb(BODY.length), ...BODY]),
]);

let compiled: WebAssembly.Module | null | undefined;
/** The module, or null where WASM SIMD is unavailable (then callers use the JavaScript loop). */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(MODULE_BYTES);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const PAGE = 65536;
/** WASM32 addresses reach 4 GiB: the float32 result must fit (1 Gi values). */
const MAX_VALUES = (65536 * PAGE) / 4;

export interface Bf16Destination {
  /** The result, `n` float32 values (its buffer is a WebAssembly.Memory's: not transferable). */
  out: Float32Array;
  /** Where the raw BF16 bytes of elements `first … first+count` must be read to before expand(). */
  rawSlot(first: number, count: number): Uint8Array;
  /** Widens elements `first … first+count` in place, after their bytes were read into rawSlot(). */
  expand(first: number, count: number): void;
}

/** A destination for `n` BF16 values converted in place, or null when WASM cannot provide one. */
export function bf16Destination(n: number): Bf16Destination | null {
  const mod = wasmModule();
  if (!mod || n < 8 || n > MAX_VALUES) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil((4 * n) / PAGE) });
  } catch {
    return null;
  }
  const instance = new WebAssembly.Instance(mod, { env: { memory } });
  const kernel = instance.exports.expand as (dst: number, src: number, bytes: number) => void;
  const buffer = memory.buffer;
  const out = new Float32Array(buffer, 0, n);
  const u16 = new Uint16Array(buffer);
  const u32 = new Uint32Array(buffer);
  return {
    out,
    rawSlot: (first, count) => new Uint8Array(buffer, 4 * first + 2 * count, 2 * count),
    expand(first, count) {
      const whole = count & ~7;
      // i32 arguments: addresses up to 4 GiB pass as their low 32 bits, which WASM reads unsigned.
      if (whole > 0) kernel((4 * first) | 0, (4 * first + 2 * count) | 0, 2 * whole);
      // The last < 8 values, forward like the kernel (each read precedes the write over it).
      const src16 = (4 * first + 2 * count) / 2;
      for (let i = whole; i < count; i++) u32[first + i] = u16[src16 + i] << 16;
    },
  };
}

/** Values per destination of a read into a caller's array (2 Mi: a 4 MiB raw chunk). */
export const BF16_PAIR_VALUES = 2 * 1024 * 1024;
export type Bf16Pair = [Bf16Destination, Bf16Destination];
/** Pairs not in use, kept for the next read (reads may run at once: the executor prefetches a layer). */
const freePairs: Bf16Pair[] = [];

/**
 * Two destinations of BF16_PAIR_VALUES each, through which a read into a caller's array (which
 * cannot live in a WebAssembly memory) widens its chunks: chunk k+1 is read into one while chunk k
 * is widened in the other and copied out. Null when WebAssembly cannot provide them.
 */
export function takeBf16Pair(): Bf16Pair | null {
  const kept = freePairs.pop();
  if (kept) return kept;
  const a = bf16Destination(BF16_PAIR_VALUES),
    b = a && bf16Destination(BF16_PAIR_VALUES);
  return a && b ? [a, b] : null;
}

/** Returns a pair from takeBf16Pair once its read is over. */
export function giveBf16Pair(pair: Bf16Pair): void {
  freePairs.push(pair);
}
