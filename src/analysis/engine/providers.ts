/**
 * Execution-provider selection. onnxruntime never falls back between providers on its own terms
 * that we can see: `InferenceSession.create` throws when the requested provider cannot start
 * (CUDA: "Failed to load shared library"; WebGPU: "Failed to get a WebGPU adapter"). So each
 * provider is tried by itself, in its own try/catch, by creating and running a tiny session; the
 * first that works is kept and every failure is recorded with its message.
 *
 * A machine without a GPU is the normal case, not an error: when a GPU provider's prerequisites are
 * plainly missing (CUDA binaries not installed; no Vulkan loader for WebGPU on Linux) it is skipped
 * without asking onnxruntime, whose native layers would otherwise print errors and warnings on
 * stderr (Dawn writes "Couldn't load Vulkan" straight to it). The reason is still recorded.
 */
import * as ort from 'onnxruntime-node';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GraphBuilder } from './graph';
import type { ProviderAttempt } from './info';
import { NO_SPINNING } from './threading';

export const DEFAULT_PROVIDER_ORDER: readonly string[] = ['cuda', 'webgpu', 'cpu'];
const KNOWN_PROVIDERS = new Set(['cuda', 'webgpu', 'cpu', 'tensorrt', 'dml', 'coreml']);

export interface ProviderChoice {
  provider: string;
  tried: ProviderAttempt[];
}

let probeModel: Uint8Array | undefined;

/** y = |x| on a 4-vector: enough to make the provider initialise its device and run a kernel. */
function probeBytes(): Uint8Array {
  if (!probeModel) {
    const g = new GraphBuilder('provider_probe');
    const x = g.input('x', 'float32', [4]);
    g.output(g.op('Abs', [x]), 'float32', { as: 'y' });
    probeModel = g.toBytes();
  }
  return probeModel;
}

/**
 * Whether sessions keep onnxruntime's CPU memory arena, unless an engine says otherwise (engine
 * option `enableCpuMemArena`). The arena keeps every buffer a session has used (grown to its
 * largest) until the session is released; sessions here live for the whole process, so their
 * arenas add up (measured: +555 MiB peak for the singular values of a 14336×4096 matrix, +430 MiB
 * for the executor's forward+backward at Llama-3.2-1B shapes). Without it, buffers go back to the
 * system allocator after each run and are mapped again by the next, which costs the executor's
 * forward+backward 6–11 % more CPU time and the eigen reduction nothing measurable (figures in
 * docs/performance.md, "CPU memory arena"). Off, unless the
 * environment sets LAYER_LENS_ORT_ARENA=1 (to compare; it also reaches the sessions created
 * outside an engine: the eigen reduction's and the executor's float64 ones).
 */
export const DEFAULT_CPU_MEM_ARENA = process.env.LAYER_LENS_ORT_ARENA === '1';

/**
 * Session options every onnxruntime session uses for `provider` (the engine's, the eigen reduction's
 * and the model executor's, which add their own settings). `cpuMemArena` is the engine option
 * `enableCpuMemArena`.
 */
export function sessionOptions(provider: string, threads: number, cpuMemArena = DEFAULT_CPU_MEM_ARENA): ort.InferenceSession.SessionOptions {
  if (NVIDIA_PROVIDERS.has(provider)) keepFullFloat32OnNvidia();
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableCpuMemArena: cpuMemArena,
    extra: NO_SPINNING,
    // Warnings about nodes placed on CPU by a GPU provider are expected; errors still surface as throws.
    logSeverityLevel: 3,
  };
}

const NVIDIA_PROVIDERS = new Set(['cuda', 'tensorrt']);

/**
 * Keeps float32 matrix products in float32 on NVIDIA GPUs. onnxruntime's CUDA provider enables
 * TF32 by default (`CUDAExecutionProviderInfo::use_tf32{true}`,
 * onnxruntime/core/providers/cuda/cuda_execution_provider_info.h: GEMMs round their inputs to 10
 * mantissa bits on Ampere and later), and onnxruntime-node passes no provider option but the device
 * id (js/node/src/session_options_helper.cc). DOCS maxima, Gram eigenvalues, k-NN screening bounds
 * and the executor's gradients all assume float32 products, so the process sets NVIDIA's own switch,
 * NVIDIA_TF32_OVERRIDE=0, which cuBLAS and cuDNN read when their handles are created (the first
 * CUDA session) — unless the user has set it, which is then respected.
 */
export function keepFullFloat32OnNvidia(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NVIDIA_TF32_OVERRIDE === undefined) env.NVIDIA_TF32_OVERRIDE = '0';
}

/** Tries one provider; returns undefined on success, else the reason it cannot be used. */
export async function probeProvider(provider: string, threads: number): Promise<string | undefined> {
  const missing = missingPrerequisite(provider);
  if (missing) return missing;
  quietNativeLogs();
  try {
    const options = { ...sessionOptions(provider, threads), logSeverityLevel: 4 as const };
    const session = await ort.InferenceSession.create(probeBytes(), options);
    try {
      const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 2, -3, 4), [4]) });
      const y = out.y.data as Float32Array;
      if (y[0] !== 1 || y[2] !== 3) return `the probe graph computed wrong values (${Array.from(y)})`;
    } finally {
      await session.release();
    }
    return undefined;
  } catch (err) {
    return explain(provider, err instanceof Error ? err.message : String(err));
  }
}

/** Adds a hint a user can act on to the provider's own (often cryptic) message. */
function explain(provider: string, message: string): string {
  const first = message.split('\n')[0].trim();
  if (provider === 'cuda' && !cudaBinariesInstalled()) {
    return `${first} — onnxruntime-node's CUDA binaries are not installed (run \`npm run setup:cuda\` on a machine with CUDA 12)`;
  }
  if (provider === 'webgpu' && /adapter/i.test(first)) {
    return `${first} — no WebGPU adapter (a GPU with a Vulkan driver and libvulkan.so.1 is needed)`;
  }
  return first;
}

/** onnxruntime-node's folder of native libraries for this platform, if it can be found. */
function ortBinDir(): string | undefined {
  try {
    const main = require.resolve('onnxruntime-node');
    return join(dirname(main), '..', 'bin', 'napi-v6', `${process.platform}`, `${process.arch}`);
  } catch {
    return undefined;
  }
}

function cudaBinariesInstalled(): boolean {
  const bin = ortBinDir();
  return bin !== undefined && existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
}

/**
 * Whether the dynamic loader can find libvulkan.so.1 (Linux; elsewhere WebGPU uses D3D12 or Metal
 * and the probe decides). Looks where dlopen does: LD_LIBRARY_PATH, onnxruntime's own folder,
 * /etc/ld.so.cache (which holds the names of every library it indexes) and the default folders.
 */
export function vulkanLoaderPresent(): boolean | undefined {
  if (process.platform !== 'linux') return undefined;
  const name = 'libvulkan.so.1';
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ortBinDir() ?? ''];
  dirs.push('/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib', `/lib/${multiarch()}`, `/usr/lib/${multiarch()}`);
  if (dirs.some((d) => d && existsSync(join(d, name)))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes(name);
  } catch {
    return false; // no cache (musl, or a minimal image) and not in the default folders
  }
}

function multiarch(): string {
  return process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
}

/** A reason to skip `provider` without starting it, when a prerequisite is plainly absent. */
function missingPrerequisite(provider: string): string | undefined {
  if (provider === 'cuda' && !cudaBinariesInstalled()) {
    return "onnxruntime-node's CUDA binaries are not installed (`npm run setup:cuda` installs them on a machine with CUDA 12)";
  }
  if (provider === 'webgpu' && vulkanLoaderPresent() === false) {
    return 'no Vulkan loader (libvulkan.so.1), so WebGPU has no adapter on this machine';
  }
  return undefined;
}

/**
 * onnxruntime's process-wide logger prints a provider's failure to load as an error on stderr
 * ("[E:onnxruntime…] Failed to load library…") before the same message reaches us as an exception,
 * which we record. It is configured once, when the first session is created, so it is set here,
 * before the probes, unless the host chose a level itself.
 */
function quietNativeLogs(): void {
  if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal';
}

/** Validates a user-supplied order (the `layerLens.executionProviders` setting). */
export function normaliseOrder(order: readonly string[] | undefined): string[] {
  const list = (order && order.length ? order : DEFAULT_PROVIDER_ORDER).map((p) => p.trim().toLowerCase()).filter((p) => p.length > 0);
  for (const p of list) {
    if (!KNOWN_PROVIDERS.has(p))
      throw new Error(`unknown execution provider "${p}" in layerLens.executionProviders (known: ${[...KNOWN_PROVIDERS].join(', ')})`);
  }
  return [...new Set(list)];
}

/** Tries each provider in order and keeps the first that works; throws only if none does. */
export async function chooseProvider(order: readonly string[] | undefined, threads: number): Promise<ProviderChoice> {
  const tried: ProviderAttempt[] = [];
  for (const provider of normaliseOrder(order)) {
    const error = await probeProvider(provider, threads);
    if (error === undefined) {
      tried.push({ provider });
      return { provider, tried };
    }
    tried.push({ provider, error });
  }
  const reasons = tried.map((t) => `${t.provider}: ${t.error}`).join('; ');
  throw new Error(`no execution provider could start (${reasons}); add "cpu" to layerLens.executionProviders`);
}
