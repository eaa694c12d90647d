/**
 * Sessions cached by graph signature, and the way weights enter graphs.
 *
 * Compiling a session costs milliseconds to tens of milliseconds, so each kernel builds its graph
 * with symbolic dimensions where it can and names it by a signature (kernel + whatever fixes the
 * graph: dtypes, attributes, sometimes shapes). The cache keeps the most recently used sessions.
 *
 * Weights are never re-encoded in JS: fp32 is fed as is, fp16 as float16 (Cast in the graph) and
 * bf16 as its raw uint16 bits with BitCast(to=BFLOAT16) → Cast(to=FLOAT) in the graph (bit-exact;
 * the JS API has no bfloat16 tensor type, and BitCast needs opset 26).
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder, onnxType, type Dim } from './graph';
import { DEFAULT_CPU_MEM_ARENA, sessionOptions } from './providers';

export type WeightDType = 'float32' | 'float16' | 'bfloat16';

/** Raw weight data as read from a safetensors file. */
export type WeightData = { dtype: 'float32'; data: Float32Array } | { dtype: 'float16'; data: Uint16Array } | { dtype: 'bfloat16'; data: Uint16Array };

/** The opset a graph needs to take weights of these dtypes (bf16 needs BitCast, opset 26). */
export function opsetFor(dtypes: readonly WeightDType[]): number {
  return dtypes.includes('bfloat16') ? 26 : 21;
}

/**
 * Declares graph input `name` holding a weight of `dtype` and returns the name of its float32
 * value inside the graph (a Cast, or BitCast + Cast, when the weight is stored narrower).
 */
export function weightInput(g: GraphBuilder, name: string, dtype: WeightDType, dims: readonly Dim[], to: 'float32' | 'float64' = 'float32'): string {
  if (dtype === 'bfloat16') {
    if (g.opset < 26) throw new Error(`graph ${g.name}: bf16 weights need opset 26 (BitCast); build it with { opset: 26 }`);
    const bits = g.input(name, 'uint16', dims);
    const bf16 = g.op('BitCast', [bits], { to: onnxType('bfloat16') });
    return g.op('Cast', [bf16], { to: onnxType(to) });
  }
  const x = g.input(name, dtype, dims);
  return dtype === to ? x : g.op('Cast', [x], { to: onnxType(to) });
}

/** The ORT tensor feeding a weight input declared with `weightInput`. */
export function weightTensor(w: WeightData, dims: readonly number[]): ort.Tensor {
  switch (w.dtype) {
    case 'float32':
      return new ort.Tensor('float32', w.data, dims);
    case 'float16':
      return new ort.Tensor('float16', w.data, dims);
    case 'bfloat16':
      return new ort.Tensor('uint16', w.data, dims);
  }
}

interface Slot {
  session: Promise<ort.InferenceSession>;
  /** Runs in progress through `use`: an evicted session is released only when they finish. */
  active: number;
  /** Handed out by `get`: the caller may keep it, so only `clear` releases it. */
  pinned: boolean;
  evicted: boolean;
  /** Compiled with onnxruntime's memory arena (BLOCK_ARENA_GRAPHS): released once idle. */
  arena: boolean;
  idle?: NodeJS.Timeout;
}

/**
 * Graphs run block after block on operands of one size, whose sessions keep onnxruntime's CPU
 * memory arena although the engine's others do not (providers.ts DEFAULT_CPU_MEM_ARENA). Without it
 * every run maps its block-sized results afresh (the DOCS cosine block's product and |·|, 32 MiB
 * each at 1024 × 8192) and faults them in page by page; with it they are reused. Measured on the
 * float32 DOCS block (8192 × 8192 × 2048 per pair, eight 1024-row blocks, three runs each,
 * alternated): 1.86–2.14 s per pair without, 1.58–1.63 s with; layer similarity of four 8192 × 2048
 * layers, neuron orientation: 12.4 / 12.9 s → 11.0 / 11.0 s, peak RSS no higher. What the arena
 * holds is one run's intermediates, and only while the graph is in use: such a session is released
 * ARENA_IDLE_MS after its last run, so the arena does not stay beside the next phase (a
 * decomposition after a diff pair's DOCS) or in an idle worker.
 */
export const BLOCK_ARENA_GRAPHS: ReadonlySet<string> = new Set(['docs:normalizedBlock']);
/** Idle time after which a BLOCK_ARENA_GRAPHS session (and its arena) is released. */
export const ARENA_IDLE_MS = 1000;

/** A least-recently-used cache of compiled sessions for one provider, thread count and arena setting. */
export class SessionCache {
  private readonly slots = new Map<string, Slot>();
  /** Evicted sessions still in use (or pinned), released when their runs end or on clear(). */
  private readonly retired = new Set<Slot>();

  constructor(
    private readonly provider: string,
    private readonly threads: number,
    private readonly capacity = 64,
    private readonly cpuMemArena = DEFAULT_CPU_MEM_ARENA,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  private slot(signature: string, build: () => Uint8Array): Slot {
    const known = this.slots.get(signature);
    if (known) {
      // Re-insert so that Map order is recency order.
      this.slots.delete(signature);
      this.slots.set(signature, known);
      clearTimeout(known.idle);
      return known;
    }
    const arena = this.cpuMemArena || BLOCK_ARENA_GRAPHS.has(signature);
    const session = ort.InferenceSession.create(build(), sessionOptions(this.provider, this.threads, arena));
    const slot: Slot = { session, active: 0, pinned: false, evicted: false, arena: arena && !this.cpuMemArena };
    // A graph that fails to compile must not stay cached: the next call gets the real error again.
    session.catch(() => {
      if (this.slots.get(signature) === slot) this.slots.delete(signature);
    });
    this.slots.set(signature, slot);
    this.evict();
    return slot;
  }

  /** The session for `signature`, building its graph with `build` only the first time. */
  get(signature: string, build: () => Uint8Array): Promise<ort.InferenceSession> {
    const slot = this.slot(signature, build);
    slot.pinned = true;
    return slot.session;
  }

  /** Runs `fn` on the session for `signature`; eviction never releases a session during `fn`. */
  async use<T>(signature: string, build: () => Uint8Array, fn: (s: ort.InferenceSession) => Promise<T>): Promise<T> {
    const slot = this.slot(signature, build);
    slot.active++;
    try {
      return await fn(await slot.session);
    } finally {
      slot.active--;
      if (slot.evicted && slot.active === 0 && !slot.pinned) this.release(slot);
      else if (slot.arena && slot.active === 0 && !slot.pinned) this.releaseWhenIdle(signature, slot);
    }
  }

  /** Releases a block-arena session ARENA_IDLE_MS after its last run, unless it runs again before. */
  private releaseWhenIdle(signature: string, slot: Slot): void {
    clearTimeout(slot.idle);
    slot.idle = setTimeout(() => {
      if (this.slots.get(signature) !== slot || slot.active > 0 || slot.pinned) return;
      this.slots.delete(signature);
      this.release(slot);
    }, ARENA_IDLE_MS);
    slot.idle.unref();
  }

  private release(slot: Slot): void {
    clearTimeout(slot.idle);
    this.retired.delete(slot);
    slot.session.then((s) => s.release()).catch(() => undefined);
  }

  private evict(): void {
    while (this.slots.size > this.capacity) {
      const [oldest, slot] = this.slots.entries().next().value as [string, Slot];
      this.slots.delete(oldest);
      slot.evicted = true;
      if (slot.active === 0 && !slot.pinned) this.release(slot);
      else this.retired.add(slot);
    }
  }

  /** Releases every session, including pinned ones: call when no run is in progress. */
  async clear(): Promise<void> {
    const all = [...this.slots.values(), ...this.retired];
    for (const slot of all) clearTimeout(slot.idle);
    this.slots.clear();
    this.retired.clear();
    await Promise.all(all.map((slot) => slot.session.then((s) => s.release()).catch(() => undefined)));
  }
}
