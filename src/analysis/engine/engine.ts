/**
 * The one compute engine every analysis shares: an execution provider chosen once per process
 * (see providers.ts), a thread count, a memory budget for blocked kernels, and a cache of compiled
 * sessions. Kernels (kernels/*.ts) are plain functions taking an Engine.
 *
 *   const engine = await getEngine({ providers: config.executionProviders, memoryBudgetMB: 4096 });
 *   const out = await engine.run('scale', () => buildScaleGraph(), { x: tensor });
 */
import * as ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import type { EngineInfo } from './info';
import { chooseProvider, DEFAULT_CPU_MEM_ARENA, normaliseOrder } from './providers';
import { SessionCache } from './session';

export interface EngineOptions {
  /** Provider order to try (the `layerLens.executionProviders` setting); default cuda → webgpu → cpu. */
  providers?: readonly string[];
  /** ORT intra-op threads; default: every core the process may use. */
  threads?: number;
  /** Working memory for kernel blocks, in MiB (the `layerLens.memoryBudgetMB` setting); default 4096. */
  memoryBudgetMB?: number;
  /**
   * Keep onnxruntime's CPU memory arena in this engine's sessions (each session then holds its
   * largest buffers until released). Default DEFAULT_CPU_MEM_ARENA (off; see providers.ts).
   */
  enableCpuMemArena?: boolean;
}

export const DEFAULT_MEMORY_BUDGET_MB = 4096;

export type Feeds = Record<string, ort.Tensor>;
export type Fetches = Record<string, ort.Tensor>;

export interface Engine {
  readonly info: EngineInfo;
  /** The memory budget in bytes, for kernels choosing their block sizes. */
  readonly memoryBudgetBytes: number;
  /**
   * The cached session for `signature` (compiled from `build()` on first use), for callers that
   * keep a session across many runs; it stays valid until `release()`.
   */
  session(signature: string, build: () => Uint8Array): Promise<ort.InferenceSession>;
  /**
   * Runs the graph named `signature` on `feeds`. `outputs` may supply preallocated tensors that
   * ORT writes into (no copy); otherwise ORT allocates the outputs.
   */
  run(signature: string, build: () => Uint8Array, feeds: Feeds, outputs?: Fetches): Promise<Fetches>;
  /** Releases every cached session (the engine stays usable; sessions compile again on demand). */
  release(): Promise<void>;
}

class OrtEngine implements Engine {
  private readonly cache: SessionCache;
  readonly memoryBudgetBytes: number;

  constructor(
    readonly info: EngineInfo,
    cpuMemArena: boolean,
  ) {
    this.cache = new SessionCache(info.provider, info.threads, undefined, cpuMemArena);
    this.memoryBudgetBytes = info.memoryBudgetMB * 1024 * 1024;
  }

  session(signature: string, build: () => Uint8Array): Promise<ort.InferenceSession> {
    return this.cache.get(signature, build);
  }

  async run(signature: string, build: () => Uint8Array, feeds: Feeds, outputs?: Fetches): Promise<Fetches> {
    return this.cache.use(signature, build, (session) => (outputs ? session.run(feeds, outputs) : session.run(feeds)));
  }

  release(): Promise<void> {
    return this.cache.clear();
  }
}

const engines = new Map<string, Promise<Engine>>();
/** Provider probes per order and thread count, shared by engines that differ only in budget. */
const choices = new Map<string, ReturnType<typeof chooseProvider>>();

function cachedChoice(order: string[], threads: number): ReturnType<typeof chooseProvider> {
  const key = `${order.join(',')}|${threads}`;
  let choice = choices.get(key);
  if (!choice) {
    choice = chooseProvider(order, threads);
    choice.then((c) => logChoiceOnce(c, threads)).catch(() => choices.delete(key));
    choices.set(key, choice);
  }
  return choice;
}

let choiceLogged = false;

/**
 * One line on stderr (the worker's log) per process when providers before the chosen one could
 * not start, e.g. on a machine without a GPU. That is expected, so it is information, not an
 * error; the reasons also travel in every result's EngineInfo.tried.
 */
function logChoiceOnce(choice: Awaited<ReturnType<typeof chooseProvider>>, threads: number): void {
  const skipped = choice.tried.filter((t) => t.error);
  if (choiceLogged || skipped.length === 0) return;
  choiceLogged = true;
  const reasons = skipped.map((t) => `${t.provider}: ${t.error}`).join('; ');
  console.error(`Layer Lens engine: computing on ${choice.provider} with ${threads} thread${threads === 1 ? '' : 's'} (not available: ${reasons})`);
}

/**
 * The engine for these options, created once per process and options (provider probing creates
 * sessions, which is not free). A failed creation is not cached, so changed settings can retry.
 */
export function getEngine(opts: EngineOptions = {}): Promise<Engine> {
  const order = normaliseOrder(opts.providers);
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`engine threads must be a positive integer, got ${opts.threads}`);
  const memoryBudgetMB = opts.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  if (!(memoryBudgetMB > 0)) throw new Error(`layerLens.memoryBudgetMB must be positive, got ${opts.memoryBudgetMB}`);
  const cpuMemArena = opts.enableCpuMemArena ?? DEFAULT_CPU_MEM_ARENA;
  const key = `${order.join(',')}|${threads}|${memoryBudgetMB}|${+cpuMemArena}`;
  let engine = engines.get(key);
  if (!engine) {
    engine = cachedChoice(order, threads).then(
      ({ provider, tried }) => new OrtEngine({ provider, threads, tried, memoryBudgetMB, ortVersion: ort.env.versions.node ?? 'unknown' }, cpuMemArena),
    );
    engine.catch(() => engines.delete(key));
    engines.set(key, engine);
  }
  return engine;
}
