/**
 * Whether DOCS's integer path (kernels/int8MaxAbsCosine.ts) pays on this machine, decided once per
 * process, provider, thread count and vector length (rounded to a power of two) by a short
 * measurement:
 *
 * 1. Exactness: MatMulInteger on worst-case operands (every product 127·127 and −127·127, and
 *    random ones) must equal the integer sums computed here. CPUs without VNNI may form uint8·int8
 *    pairs in saturating 16-bit arithmetic (x86 `pmaddubsw`), which would break the error bound.
 * 2. Speed: one 1024×1024 cosine block with vectors of that length, best of three runs after a
 *    warm-up, on the float32 path and on both integer modes.
 *
 * A mode is used where its products are exact and its block is at least 10 % faster than the
 * float32 one. Only the CPU provider is considered: GPU providers run the float32 GEMM fast and
 * would place integer products on the CPU anyway.
 */
import * as ort from 'onnxruntime-node';
import type { Matrix } from '../linalg/matrix';
import type { Engine } from './engine';
import { buildFloat32BlockGraph, buildInt8ProductGraph } from './kernels/int8Graphs';
import { int8MaxAbsCosine } from './kernels/int8MaxAbsCosine';
import { MAX_INT8_INNER } from './kernels/int8Quantize';

/** Which computation produced a DOCS result's row and column maxima. */
export type DocsPath = 'int8-refined' | 'float32' | 'int8-fast';

export interface Int8Calibration {
  provider: string;
  /** Vector length measured (the requested one rounded to a power of two within 256…4096). */
  n: number;
  /** MatMulInteger computed the worst-case products exactly. */
  exactProducts: boolean;
  /** Milliseconds per 1024×1024 block (NaN when not measured). */
  float32Ms: number;
  exactMs: number;
  fastMs: number;
  useExact: boolean;
  useFast: boolean;
  /** Why the integer path is not used, when it is not. */
  reason?: string;
}

const BLOCK = 1024;
const REQUIRED_GAIN = 0.9;
const calibrations = new Map<string, Promise<Int8Calibration>>();

/** The vector length a calibration is measured at for vectors of length `n`. */
export function calibrationLength(n: number): number {
  return Math.min(4096, Math.max(256, 2 ** Math.round(Math.log2(Math.max(1, n)))));
}

/** The cached calibration for this engine and vector length (measured on first use). */
export function int8Calibration(engine: Engine, n: number): Promise<Int8Calibration> {
  const len = calibrationLength(n);
  const key = `${engine.info.provider}|${engine.info.threads}|${len}`;
  let c = calibrations.get(key);
  if (!c) {
    c = calibrate(engine, len);
    c.catch(() => calibrations.delete(key));
    calibrations.set(key, c);
  }
  return c;
}

const exactness = new Map<string, Promise<boolean>>();

/** integerProductsExact, checked once per provider and thread count (false off the CPU provider). */
function productsExactCached(engine: Engine): Promise<boolean> {
  const key = `${engine.info.provider}|${engine.info.threads}`;
  let e = exactness.get(key);
  if (!e) {
    e = engine.info.provider === 'cpu' ? integerProductsExact(engine) : Promise.resolve(false);
    e.catch(() => exactness.delete(key));
    exactness.set(key, e);
  }
  return e;
}

/**
 * The path DOCS takes for this precision on this engine and vector length: with 'auto', the integer
 * path where the calibration finds it faster; with 'always' (tests, benchmarks), wherever it is
 * correct. Never where MatMulInteger is not exact or the vectors are too long for int32 sums.
 */
export async function chooseDocsPath(engine: Engine, n: number, precision: 'exact' | 'fast', integer: 'auto' | 'always' = 'auto'): Promise<DocsPath> {
  if (n > MAX_INT8_INNER || !(await productsExactCached(engine))) return 'float32';
  const mode: DocsPath = precision === 'fast' ? 'int8-fast' : 'int8-refined';
  if (integer === 'always') return mode;
  const c = await int8Calibration(engine, n);
  return (precision === 'fast' ? c.useFast : c.useExact) ? mode : 'float32';
}

/**
 * `LAYER_LENS_DOCS_PATH` (benchmarks, measurements): `int8` sends DOCS to the integer path wherever
 * it is correct and fits the memory budget, as `integer: 'always'` does; `float32` keeps it on
 * float32; unset or `auto`, the calibration decides. Anything else is refused.
 */
export function docsPathOverride(env: NodeJS.ProcessEnv = process.env): 'always' | 'never' | undefined {
  const v = env.LAYER_LENS_DOCS_PATH?.trim().toLowerCase();
  if (!v || v === 'auto') return undefined;
  if (v === 'int8') return 'always';
  if (v === 'float32') return 'never';
  throw new Error(`LAYER_LENS_DOCS_PATH must be int8, float32 or auto, got '${env.LAYER_LENS_DOCS_PATH}'`);
}

/** Does MatMulInteger compute Σ (a − 128)·b exactly on operands that saturate 16-bit pair sums? */
export async function integerProductsExact(engine: Engine): Promise<boolean> {
  const m = 4,
    k = 96,
    n = 3;
  const a = new Uint8Array(m * k),
    b = new Int8Array(k * n);
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  for (let i = 0; i < k; i++) {
    a[i] = 255; // q = 127
    a[k + i] = 1; // q = −127
    a[2 * k + i] = next() % 256;
    a[3 * k + i] = i % 2 ? 255 : 0;
    b[i * n] = 127;
    b[i * n + 1] = -127;
    b[i * n + 2] = (next() % 255) - 127;
  }
  const out = await engine.run('int8Docs:product', buildInt8ProductGraph, {
    a1: new ort.Tensor('uint8', a, [m, k]),
    b1: new ort.Tensor('int8', b, [k, n]),
  });
  const c = out.c.data as Float32Array; // exact: every sum here is below 2²⁴
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (a[i * k + p] - 128) * b[p * n + j];
      if (c[i * n + j] !== s) return false;
    }
  return true;
}

function unitRows(rows: number, n: number, seed: number): Matrix {
  const data = new Float32Array(rows * n);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  for (let j = 0; j < rows; j++) {
    const row = data.subarray(j * n, (j + 1) * n);
    const inv = 1 / Math.hypot(...row);
    for (let i = 0; i < n; i++) row[i] *= inv;
  }
  return { rows, cols: n, data };
}

async function bestMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: session compilation, quantization of the operands
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

async function calibrate(engine: Engine, n: number): Promise<Int8Calibration> {
  const provider = engine.info.provider;
  const base = { provider, n, float32Ms: NaN, exactMs: NaN, fastMs: NaN, useExact: false, useFast: false };
  if (provider !== 'cpu') return { ...base, exactProducts: false, reason: `the integer path runs on the CPU provider only (this engine uses ${provider})` };
  const exactProducts = await productsExactCached(engine);
  if (!exactProducts) return { ...base, exactProducts, reason: "this CPU's integer matrix product saturates, so its error could not be bounded" };
  const x = unitRows(BLOCK, n, 1),
    y = unitRows(BLOCK, n, 2);
  const float32Ms = await bestMs(3, () =>
    engine.run(
      'docs:normalizedBlock',
      buildFloat32BlockGraph,
      { a: new ort.Tensor('float32', x.data, [BLOCK, n]), b: new ort.Tensor('float32', y.data, [BLOCK, n]) },
      { row_max: new ort.Tensor('float32', new Float32Array(BLOCK), [BLOCK]), col_max: new ort.Tensor('float32', new Float32Array(BLOCK), [BLOCK]) },
    ),
  );
  const exactMs = await bestMs(3, () => int8MaxAbsCosine(engine, x, y, { mode: 'exact' }));
  const fastMs = await bestMs(3, () => int8MaxAbsCosine(engine, x, y, { mode: 'fast' }));
  const useExact = exactMs < REQUIRED_GAIN * float32Ms,
    useFast = fastMs < REQUIRED_GAIN * float32Ms;
  const reason = useExact
    ? undefined
    : `on this CPU the exact integer screen (${exactMs.toFixed(1)} ms per block) is not faster than float32 (${float32Ms.toFixed(1)} ms)`;
  return { ...base, exactProducts, float32Ms, exactMs, fastMs, useExact, useFast, ...(reason ? { reason } : {}) };
}
