// Loads the AssemblyScript kernels (embedded as base64, so the same code runs under tsx and from the
// esbuild bundle) and gives each computation its own instance with a bump allocator over its
// linear memory. A fresh instance per call means its memory is released when the call ends. The
// memory is shared (SharedArrayBuffer) so that a worker thread can join the band reduction.
import { LINALG_WASM_BASE64 } from './linalgWasmBytes';

export interface LinalgExports {
  heapBase(): number;
  panelQR(p: number, ld: number, L: number, k: number, tau: number, t: number, scratch: number): void;
  bandToTridiagonal(
    ab: number,
    ld: number,
    n: number,
    b: number,
    sweep0: number,
    sweep1: number,
    thread: number,
    threads: number,
    progress: number,
    keep: number,
    firstReflector: number,
    rows: number,
    lens: number,
    taus: number,
    vs: number,
    v: number,
    w: number,
    scratch: number,
  ): number;
  applyBandReflectors(y: number, k: number, b: number, q0: number, q1: number, rows: number, lens: number, taus: number, vs: number, w: number): void;
  tridiagonalQL(d: number, e: number, n: number, l0: number, l1: number, zt: number): number;
  tridiagonalValues(d: number, e: number, n: number, scratch: number): number;
  int8QuantizeColumnVectors(
    x: number,
    n: number,
    m: number,
    ld: number,
    sum: number,
    amax: number,
    inv: number,
    scale: number,
    s64: number,
    sdiv: number,
    sx: number,
    sa: number,
    sr: number,
    q: number,
    ldq: number,
    counter: number,
    chunk: number,
  ): void;
  int8QuantizeRowVectors(
    x: number,
    m: number,
    n: number,
    ld: number,
    xt: number,
    block: number,
    sum: number,
    amax: number,
    inv: number,
    scale: number,
    s64: number,
    sdiv: number,
    sx: number,
    sa: number,
    sr: number,
    q: number,
    ldq: number,
    counter: number,
  ): void;
  int8TransposeOffset(src: number, rows: number, cols: number, lds: number, dst: number, ldd: number, counter: number, chunk: number): void;
}

let compiled: WebAssembly.Module | undefined;

export function linalgModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(new Uint8Array(Buffer.from(LINALG_WASM_BASE64, 'base64')));
  return compiled;
}

const PAGE = 65536;
/** The module declares its imported memory with this maximum (4 GiB, all wasm32 can address). */
const MAX_PAGES = 65536;
const MAX_BYTES = MAX_PAGES * PAGE;

/** Instantiates the kernels on a memory (a worker thread does the same with the shared one). */
export function instantiateLinalg(memory: WebAssembly.Memory): LinalgExports {
  return new WebAssembly.Instance(linalgModule(), { env: { memory } }).exports as unknown as LinalgExports;
}

/** One module instance and a bump allocator over its memory. Views must be re-read after alloc. */
export class WasmWorkspace {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  readonly fn: LinalgExports;
  private top: number;

  constructor() {
    this.fn = instantiateLinalg(this.memory);
    this.top = align(this.fn.heapBase());
  }

  /** Reserves bytes (16-byte aligned, zero-filled as fresh memory is) and returns their offset. */
  alloc(bytes: number): number {
    const at = this.top;
    const end = align(at + bytes);
    if (end > MAX_BYTES) {
      throw new Error(`eigen-decomposition needs ${(end / 2 ** 30).toFixed(1)} GiB of WASM memory, more than the 4 GiB a WASM module can address`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return at;
  }

  allocF64(n: number): number {
    return this.alloc(n * 8);
  }

  f64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }

  /** Frees everything allocated after mark (a stack discipline is all these algorithms need). */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }
}

function align(x: number): number {
  return Math.ceil(x / 16) * 16; // arithmetic, not bit masks: offsets pass 2³¹
}
