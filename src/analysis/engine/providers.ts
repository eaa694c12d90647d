/**
 * Execution-provider selection. onnxruntime never falls back between providers on its own terms
 * that we can see: `InferenceSession.create` throws when the requested provider cannot start
 * (CUDA: "Failed to load shared library"; WebGPU: "Failed to get a WebGPU adapter"). So each
 * provider is tried by itself, in its own try/catch, by creating and running a tiny session; the
 * first that works is kept and every failure is recorded with its message.
 */
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GraphBuilder } from './graph';
import type { ProviderAttempt } from './info';

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

/** Session options every engine session uses for `provider`. */
export function sessionOptions(provider: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Warnings about nodes placed on CPU by a GPU provider are expected; errors still surface as throws.
    logSeverityLevel: 3,
  };
}

/** Tries one provider; returns undefined on success, else the reason it cannot be used. */
export async function probeProvider(provider: string, threads: number): Promise<string | undefined> {
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

function cudaBinariesInstalled(): boolean {
  try {
    const main = require.resolve('onnxruntime-node');
    const bin = join(dirname(main), '..', 'bin', 'napi-v6', `${process.platform}`, `${process.arch}`);
    return existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/** Validates a user-supplied order (the `layerLens.executionProviders` setting). */
export function normaliseOrder(order: readonly string[] | undefined): string[] {
  const list = (order && order.length ? order : DEFAULT_PROVIDER_ORDER).map((p) => p.trim().toLowerCase()).filter((p) => p.length > 0);
  for (const p of list) {
    if (!KNOWN_PROVIDERS.has(p)) throw new Error(`unknown execution provider "${p}" in layerLens.executionProviders (known: ${[...KNOWN_PROVIDERS].join(', ')})`);
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
