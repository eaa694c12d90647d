/**
 * A decode arena: a WebAssembly.Memory with the kernels instantiated in it, for data larger than
 * the shared instance's four pages. Streams of GGUF blocks, F8_E4M3 values (plain or block-scaled)
 * and MXFP4 experts (arenaStream.ts) keep a chunk's raw bytes there (two slots, so the next chunk is
 * read while this one is decoded) and its decoded float32 values: the file is read straight into a
 * raw slot, the kernel writes the values where the consumer reads them, and nothing is copied (the
 * shared instance's batch-and-copy writes every value twice, which costs as much as the decode
 * itself). The GPTQ / AWQ kernels decode strips of packed words there, or a streamed weight's
 * packed words read there whole (../quant/groupedInt4Wasm.ts).
 *
 * Arenas are kept between uses (their pages stay mapped, so the next stream's first chunk does not
 * fault them in again): up to KEEP_ARENAS per thread, for reads interleaved at their awaits, each
 * unless it grew past KEEP_BYTES. A user who finds none free gets a new one.
 */
import { decodeWasm, kernelsIn, type DecodeKernels } from './decodeKernelsWasm';

const PAGE = 65536;
/** Largest arena kept for the next stream: the default chunk (1 Mi values, 4 MiB) and its raw bytes fit. */
const KEEP_BYTES = 16 * 1024 * 1024;

export interface DecodeArena {
  kernels: DecodeKernels;
  /** First byte the caller may use (16-byte aligned); the memory holds at least the bytes asked for past it. */
  base: number;
  /** Views of the memory (valid for the arena's whole use: it does not grow while held). */
  bytes(at: number, n: number): Uint8Array;
  values(at: number, n: number): Float32Array;
}

interface Held {
  memory: WebAssembly.Memory;
  arena: DecodeArena;
}

/** Arenas given back and waiting for the next user, at most KEEP_ARENAS of them. */
const free: Held[] = [];
const KEEP_ARENAS = 4;
/** The memory behind each arena in use, to give it back. */
const inUse = new Map<DecodeArena, WebAssembly.Memory>();

function arenaOf(memory: WebAssembly.Memory): Held | null {
  const k = kernelsIn(memory);
  if (!k) return null;
  const buffer = memory.buffer;
  return {
    memory,
    arena: {
      kernels: k.kernels,
      base: k.heapBase,
      bytes: (at, n) => new Uint8Array(buffer, at, n),
      values: (at, n) => new Float32Array(buffer, at, n),
    },
  };
}

/**
 * An arena with at least `bytes` free past its base, for one user until `releaseArena`; null where
 * WebAssembly SIMD is unavailable, the kernels are turned off, or the size exceeds 4 GiB.
 */
export function acquireArena(bytes: number): DecodeArena | null {
  // Also null while the kernels are turned off (decodeWasm says so), though arenas are kept.
  if (!decodeWasm()) return null;
  let held: Held | null = null;
  const old = free.pop();
  if (old) {
    const need = Math.ceil((old.arena.base + bytes) / PAGE) - old.memory.buffer.byteLength / PAGE;
    try {
      if (need > 0) old.memory.grow(need);
      // Growing detached the old views; a fresh instance costs little either way.
      held = need > 0 ? arenaOf(old.memory) : old;
    } catch {
      held = null;
    }
  }
  if (!held) {
    let memory: WebAssembly.Memory;
    try {
      // The static data and the i-quant grids below heapBase take under a page (34 KiB): one page of headroom covers it.
      memory = new WebAssembly.Memory({ initial: Math.max(4, Math.ceil(bytes / PAGE) + 1) });
    } catch {
      return null;
    }
    held = arenaOf(memory);
  }
  if (!held || held.arena.base + bytes > held.memory.buffer.byteLength) return null;
  inUse.set(held.arena, held.memory);
  return held.arena;
}

/** Gives the arena back: kept for the next user (its pages stay mapped) unless it is large or enough are kept. */
export function releaseArena(arena: DecodeArena): void {
  const memory = inUse.get(arena);
  if (!memory) return;
  inUse.delete(arena);
  if (memory.buffer.byteLength <= KEEP_BYTES && free.length < KEEP_ARENAS) free.push({ memory, arena });
}
