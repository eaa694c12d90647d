// All-pairs DOCS of a synthetic stack of Llama-3.2-1B-shaped up_proj matrices (8192×2048) on the
// integer path (int8 screen + exact refinement), the float32 path and the int8 fast mode, against
// the same computation in numpy, all in the same run.
//   node --import tsx bench/docsInt8.bench.ts [--layers N] [--orientation columns|neuron] [--modes int8-fast,...]
// 'columns' (default): 2048 vectors of length 8192 per layer (C is 2048×2048 per pair); 'neuron':
// 8192 vectors of length 2048 (C 8192×8192, 4× the work). Each path runs in its own child process,
// so each peak RSS is its own. The integer throughput is compared with MatMulInteger's peak on the
// same shape, measured in the int8-refined child. --modes runs some of the three paths only (the
// comparisons with float32 and the peaks need those paths in the run). The machine may be shared:
// the load average is printed, and the ratios come from one run.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { getEngine, type Engine } from '../src/analysis/engine/engine';
import { int8Calibration } from '../src/analysis/engine/int8Calibration';
import { buildFloat32BlockGraph, buildInt8ProductGraph } from '../src/analysis/engine/kernels/int8Graphs';
import { quantizedRows, quantizedVectors } from '../src/analysis/engine/kernels/int8Quantize';
import type { Matrix } from '../src/analysis/linalg/matrix';
import { docsOfNormalized, normalizedColumns, normalizedRows } from '../src/analysis/methods/similarity/docs';
import { normalSource } from '../src/analysis/stats/random';

const HIDDEN = 2048,
  FF = 8192;
const root = resolve(__dirname, '..');
const dataDir = join(root, '.bench-data', 'docs-int8');
type Mode = 'float32' | 'int8-refined' | 'int8-fast';

/** Layer families (4 layers share a base, plus noise) so DOCS varies across pairs like a real model; raw float32 [FF, HIDDEN] per layer. */
function writeLayers(layers: number): void {
  mkdirSync(dataDir, { recursive: true });
  const rand = normalSource(20250501);
  const size = FF * HIDDEN;
  let base = new Float32Array(0);
  for (let l = 0; l < layers; l++) {
    if (l % 4 === 0) base = Float32Array.from({ length: size }, rand);
    const w = new Float32Array(size);
    for (let i = 0; i < size; i++) w[i] = (base[i] + 0.8 * rand()) * 0.02;
    writeFileSync(join(dataDir, `layer${l}.f32`), new Uint8Array(w.buffer));
  }
}

/** Layer `l` as float32: a new array, or into `into` (FF × HIDDEN values) as layer similarity reads layers for fast DOCS alone. */
function readLayer(l: number, into?: Float32Array): Matrix {
  if (!into) {
    const b = readFileSync(join(dataDir, `layer${l}.f32`));
    return { rows: FF, cols: HIDDEN, data: new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4) };
  }
  const fd = openSync(join(dataDir, `layer${l}.f32`), 'r');
  try {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    for (let at = 0; at < bytes.length;) {
      const n = readSync(fd, bytes, at, bytes.length - at, at);
      if (n <= 0) throw new Error(`layer${l}.f32 is shorter than ${bytes.length} bytes`);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return { rows: FF, cols: HIDDEN, data: into };
}

async function bestMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** Peak rates on one pair's shape: MatMulInteger (as MatMulIntegerToFloat, uint8 × int8) and the float32 block. */
async function peaks(engine: Engine, xt: Matrix, yt: Matrix): Promise<{ int8Gops: number; float32Gflops: number }> {
  const [m, n] = [xt.rows, xt.cols];
  const qx = await quantizedRows(engine, xt, 1),
    qy = await quantizedRows(engine, yt, 1);
  const ops = 2 * m * m * n;
  const tInt = await bestMs(3, () =>
    engine.run('int8Docs:product', buildInt8ProductGraph, { a1: new ort.Tensor('uint8', qx.qA, [m, n]), b1: new ort.Tensor('int8', qy.qB, [n, m]) }),
  );
  const tF = await bestMs(3, () =>
    engine.run('docs:normalizedBlock', buildFloat32BlockGraph, {
      a: new ort.Tensor('float32', xt.data, [m, n]),
      b: new ort.Tensor('float32', yt.data, [m, n]),
    }),
  );
  return { int8Gops: ops / tInt / 1e6, float32Gflops: ops / tF / 1e6 };
}

/** Child: one path over all pairs. Prints one JSON line. */
async function child(mode: Mode, layers: number, orientation: string): Promise<void> {
  const engine = await getEngine({ providers: ['cpu'] });
  const t0 = performance.now();
  const prepared: Matrix[] = [];
  let quantizeSeconds = 0;
  // Fast DOCS alone keeps only the int8 copies: every layer is read into the same array.
  const reused = mode === 'int8-fast' ? new Float32Array(FF * HIDDEN) : undefined;
  for (let l = 0; l < layers; l++) {
    const w = readLayer(l, reused);
    // 'columns': the 2048 columns of the [out, in] weight; 'neuron' (up_proj): its 8192 rows.
    const side = orientation === 'columns' ? 'columns' : 'rows';
    const tq = performance.now();
    if (mode === 'int8-fast') {
      // As layer similarity runs fast DOCS alone: each layer normalised straight into its int8 copy.
      prepared.push(await quantizedVectors(engine, w, side, 1));
      quantizeSeconds += (performance.now() - tq) / 1000;
      continue;
    }
    const x = side === 'columns' ? await normalizedColumns(engine, w) : normalizedRows(w);
    prepared.push(x);
    const tq2 = performance.now();
    if (mode === 'int8-refined') await quantizedRows(engine, x, 2);
    quantizeSeconds += (performance.now() - tq2) / 1000;
  }
  const prepSeconds = (performance.now() - t0) / 1000;
  const docs: Record<string, number> = {};
  let refined = 0,
    entries = 0,
    bound = 0,
    bestPair = Infinity;
  for (let a = 0; a < layers; a++)
    for (let b = a + 1; b < layers; b++) {
      const tp = performance.now();
      const r = await docsOfNormalized(engine, prepared[a], prepared[b], {
        integer: mode === 'float32' ? 'never' : 'always',
        docsPrecision: mode === 'int8-fast' ? 'fast' : 'exact',
      });
      bestPair = Math.min(bestPair, performance.now() - tp);
      docs[`${a},${b}`] = r.docs;
      refined += r.refined ?? 0;
      entries += r.entries ?? 0;
      bound = Math.max(bound, r.errorBound?.max ?? 0);
    }
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const extra =
    mode === 'int8-refined' ? { ...(await peaks(engine, prepared[0], prepared[1])), calibration: await int8Calibration(engine, prepared[0].cols) } : {};
  const [m, n] = [prepared[0].rows, prepared[0].cols];
  console.log(
    JSON.stringify({ mode, seconds, prepSeconds, quantizeSeconds, bestPairSeconds: bestPair / 1000, peakRssMB, docs, refined, entries, bound, m, n, ...extra }),
  );
}

const NUMPY = `
import sys, json, time, resource
import numpy as np
from scipy import stats
folder, layers, orientation, FF, HIDDEN = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
t0 = time.perf_counter()
def prep(l):
    w = np.fromfile('%s/layer%d.f32' % (folder, l), dtype=np.float32).reshape(FF, HIDDEN)
    x = w if orientation == 'columns' else w.T
    return x / np.linalg.norm(x, axis=0, keepdims=True)
xn = [prep(l) for l in range(layers)]
docs, best = {}, 1e9
for i in range(layers):
    for j in range(i + 1, layers):
        tp = time.perf_counter()
        c = np.abs(xn[i].T @ xn[j])
        docs['%d,%d' % (i, j)] = (stats.gumbel_r.fit(c.max(axis=1))[0] + stats.gumbel_r.fit(c.max(axis=0))[0]) / 2
        best = min(best, time.perf_counter() - tp)
print(json.dumps({"seconds": time.perf_counter() - t0, "bestPairSeconds": best, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "docs": docs}))
`;

type Result = Record<string, number> & { docs: Record<string, number>; calibration?: Record<string, unknown> };

function run(cmd: string, args: string[]): Result {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Result;
}

function maxDocsDiff(a: Record<string, number>, b: Record<string, number>): number {
  return Math.max(...Object.keys(a).map((k) => Math.abs(a[k] - b[k])));
}

const MODES: readonly Mode[] = ['float32', 'int8-refined', 'int8-fast'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { layers: { type: 'string' }, orientation: { type: 'string' }, modes: { type: 'string' }, child: { type: 'string' } },
  });
  const layers = Number(values.layers ?? 16);
  const orientation = values.orientation ?? 'columns';
  if (orientation !== 'columns' && orientation !== 'neuron') throw new Error(`--orientation must be columns or neuron, got ${orientation}`);
  if (values.child) return child(values.child as Mode, layers, orientation);
  const modes = values.modes ? (values.modes.split(',') as Mode[]) : MODES;
  for (const mode of modes) if (!MODES.includes(mode)) throw new Error(`--modes: unknown mode '${mode}' (${MODES.join(', ')})`);
  const load = () =>
    loadavg()
      .map((v) => v.toFixed(1))
      .join(' ');
  try {
    console.log(`load average before: ${load()} (other processes may share these cores)`);
    writeLayers(layers);
    const results: Partial<Record<Mode, Result>> = {};
    for (const mode of MODES.filter((x) => modes.includes(x)))
      results[mode] = run('node', ['--import', 'tsx', __filename, '--child', mode, '--layers', String(layers), '--orientation', orientation]);
    const { m, n } = results[modes[0]] as Result;
    const pairs = (layers * (layers - 1)) / 2;
    const pairOps = 2 * m * m * n;
    console.log(
      `\nall ${pairs} pairs of ${layers} layers, ${m} vectors of length ${n} (${orientation}); ${((pairs * pairOps) / 1e9).toFixed(0)} G multiply-adds ×2`,
    );
    const ex = results['int8-refined'];
    if (ex) {
      console.log(
        `peaks on one pair's shape (same run): MatMulInteger ${ex.int8Gops.toFixed(0)} GOP/s, float32 GEMM block ${ex.float32Gflops.toFixed(0)} GFLOP/s (ratio ${(ex.int8Gops / ex.float32Gflops).toFixed(2)})`,
      );
      const cal = ex.calibration as Record<string, number | boolean | string> | undefined;
      if (cal)
        console.log(
          `calibration (1024×1024 block, n=${cal.n}): float32 ${Number(cal.float32Ms).toFixed(1)} ms, exact ${Number(cal.exactMs).toFixed(1)} ms, fast ${Number(cal.fastMs).toFixed(1)} ms → auto picks ${cal.useExact ? 'int8-refined' : 'float32'} for exact, ${cal.useFast ? 'int8-fast' : 'float32'} for fast`,
        );
    }
    const f32 = results.float32;
    for (const mode of MODES) {
      const r = results[mode];
      if (!r) continue;
      const intOps = mode === 'int8-refined' ? 3 * pairOps : pairOps; // inner lengths n + 2n, or n
      const rate = (pairs * intOps) / (r.seconds - r.prepSeconds) / 1e9;
      const peak = mode === 'float32' ? ex?.float32Gflops : ex?.int8Gops;
      console.log(
        `${mode.padEnd(13)} wall ${r.seconds.toFixed(2)} s (preparing layers ${r.prepSeconds.toFixed(2)} s, of it quantizing ${r.quantizeSeconds.toFixed(2)} s), fastest pair ${r.bestPairSeconds.toFixed(3)} s, ` +
          `${rate.toFixed(0)} G${mode === 'float32' ? 'FLOP' : 'OP'}/s${peak ? ` = ${(rate / peak).toFixed(2)} of peak` : ''}, peak RSS ${r.peakRssMB.toFixed(0)} MB` +
          (f32 ? `, time / float32 ${(r.seconds / f32.seconds).toFixed(2)}` : '') +
          (mode === 'int8-refined' ? `, refined ${r.refined} of ${r.entries} entries (${((100 * r.refined) / r.entries).toFixed(3)} %)` : '') +
          (mode === 'int8-fast' ? `, error bound on the maxima ≤ ${r.bound.toExponential(2)}` : '') +
          (mode !== 'float32' && f32 ? `, max |ΔDOCS| vs float32 ${maxDocsDiff(r.docs, f32.docs).toExponential(2)}` : ''),
      );
    }
    const probe = spawnSync('python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8' });
    if (probe.status !== 0) console.log('python3 with numpy and scipy not found: numpy comparison skipped');
    else {
      const np = run('python3', ['-c', NUMPY, dataDir, String(layers), orientation, String(FF), String(HIDDEN)]);
      const ratios = MODES.filter((mode) => results[mode]).map((mode) => `${mode} / numpy ${((results[mode] as Result).seconds / np.seconds).toFixed(2)}`);
      console.log(
        `numpy         wall ${np.seconds.toFixed(2)} s, fastest pair ${np.bestPairSeconds.toFixed(3)} s, peak RSS ${np.peakRssMB.toFixed(0)} MB; ${ratios.join(', ')}` +
          (f32 ? `, max |ΔDOCS| float32 vs numpy ${maxDocsDiff(f32.docs, np.docs).toExponential(2)}` : ''),
      );
    }
    console.log(`load average after: ${load()}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exitCode = 1;
});
