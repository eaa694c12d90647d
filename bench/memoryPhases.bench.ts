/**
 * Where the peak resident memory of one spectra or diff step is reached, phase by phase, on a
 * synthetic matrix of any shape: a worker thread samples the process's RSS every 2 ms and files
 * each sample under the phase current at that moment (the marks of linalg/memoryMarks.ts). Peaks
 * of the Gram eigen-decomposition scale with n² and those of the matrices with rows × cols, so a
 * half-size shape (14336 × 4096 for 70B's 28672 × 8192) shows in minutes what the full one shows
 * in a quarter of an hour: its peak above the floor is a quarter of the full shape's.
 *
 *   node --import tsx bench/memoryPhases.bench.ts --case spectra --rows 14336 --cols 4096 --budget 1024
 *   node --import tsx bench/memoryPhases.bench.ts --case diff --rows 14336 --cols 4096 --budget 1024 [--kind down]
 *   --case gram|values|vectors: the Gram product, the singular values, or the SVD with right vectors alone.
 *
 * Prints one row per phase (seconds, RSS when it began, highest RSS sampled during it) and the
 * process's maxRSS (the kernel's high-water mark, which catches what 2 ms samples miss).
 */
import { Worker } from 'node:worker_threads';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { getEngine } from '../src/analysis/engine/engine';
import { setMemoryMarkListener } from '../src/analysis/linalg/memoryMarks';
import { singularValues, svd } from '../src/analysis/linalg/svd';
import type { Matrix } from '../src/analysis/linalg/matrix';
import { gramMatrix } from '../src/analysis/linalg/gramEigen';
import { reductionSessions } from '../src/analysis/linalg/reductionGraphs';
import { analyzeSpectrum } from '../src/analysis/methods/spectra/spectrum';
import { diffMatrixPair } from '../src/analysis/methods/diff/matrix';
import { DIFF_DEFAULTS } from '../src/analysis/methods/diff/resolve';
import { normalSource } from '../src/analysis/stats/random';
import type { MatrixRole } from '../src/analysis/model/types';

const MiB = 2 ** 20;
const MAX_PHASES = 4096;

const SAMPLER = `
const { workerData } = require('node:worker_threads');
const current = new Int32Array(workerData.current);
const peaks = new Float64Array(workerData.peaks);
setInterval(() => {
  const p = Atomics.load(current, 0);
  const rss = process.memoryUsage.rss();
  if (rss > peaks[p]) peaks[p] = rss;
  if (rss > peaks[${MAX_PHASES}]) peaks[${MAX_PHASES}] = rss;
}, 2);
`;

/** A weight-like matrix: N(0, 0.02²) entries plus a few strong rank-one directions (spikes). */
function weightLike(rows: number, cols: number, seed: number, data: Float32Array = new Float32Array(rows * cols)): Matrix {
  const normal = normalSource(seed);
  for (let i = 0; i < data.length; i++) data[i] = 0.02 * normal();
  for (let s = 0; s < 4; s++) {
    const u = Float32Array.from({ length: rows }, () => normal() / Math.sqrt(rows));
    const v = Float32Array.from({ length: cols }, () => normal() / Math.sqrt(cols));
    const strength = 5 * (s + 1);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] += strength * u[r] * v[c];
  }
  return { rows, cols, data };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      case: { type: 'string', default: 'spectra' },
      rows: { type: 'string', default: '14336' },
      cols: { type: 'string', default: '4096' },
      budget: { type: 'string', default: '1024' },
      kind: { type: 'string', default: 'up' },
    },
  });
  const rows = Number(values.rows);
  const cols = Number(values.cols);
  const which = values.case as string;
  const current = new SharedArrayBuffer(4);
  const peaks = new SharedArrayBuffer(8 * (MAX_PHASES + 1));
  const labels: { label: string; t: number; rss: number }[] = [];
  const currentView = new Int32Array(current);
  const t0 = performance.now();
  const mark = (label: string) => {
    if (labels.length >= MAX_PHASES) return;
    labels.push({ label, t: performance.now(), rss: process.memoryUsage.rss() });
    Atomics.store(currentView, 0, labels.length - 1);
  };
  mark('setup');
  const sampler = new Worker(SAMPLER, { eval: true, workerData: { current, peaks } });
  sampler.unref();
  const engine = await getEngine({ memoryBudgetMB: Number(values.budget) });
  // `let`, emptied before the spectra case hands its matrix over (V8 keeps an async function's locals across awaits).
  let W: Matrix | undefined = weightLike(rows, cols, 1);
  // The diff's B = A + 0.05·(another weight-like matrix), generated again into an array when the diff reads it back.
  const changed = (into: Float32Array) => {
    const a = weightLike(rows, cols, 1).data;
    weightLike(rows, cols, 2, into);
    for (let i = 0; i < into.length; i++) into[i] = a[i] + 0.05 * into[i];
  };
  const second = which === 'diff' ? weightLike(rows, cols, 2) : undefined;
  if (second) for (let i = 0; i < second.data.length; i++) second.data[i] = W.data[i] + 0.05 * second.data[i];
  global.gc?.();
  mark('start');
  setMemoryMarkListener(mark);
  const started = performance.now();
  if (which === 'spectra') {
    // As the spectra analysis hands over a matrix it does not need afterwards: in a box that the
    // analysis may empty, with the same matrix generated again as its re-read.
    const box = { matrix: W as Matrix | undefined, reread: async () => weightLike(rows, cols, 1) };
    W = undefined;
    await analyzeSpectrum(box, { vectors: true, engine });
  } else if (which === 'diff') {
    // Handed over with rereads, as runDiff hands over a pair read from two checkpoints.
    const reread = { A: async (into: Float32Array) => void weightLike(rows, cols, 1, into), B: async (into: Float32Array) => changed(into) };
    await diffMatrixPair({ A: W, B: second, reread }, { layer: 0, kind: values.kind as MatrixRole, dtypeA: 'BF16', dtypeB: 'BF16' }, DIFF_DEFAULTS, {
      engine,
    });
  } else if (which === 'gram') {
    await gramMatrix(W, await reductionSessions(), { engine });
  } else if (which === 'values') {
    await singularValues(W, { engine });
  } else if (which === 'vectors') {
    await svd(W, { engine, right: true });
  } else throw new Error(`unknown case ${which}`);
  const seconds = (performance.now() - started) / 1000;
  mark('end');
  setMemoryMarkListener(undefined);
  await new Promise((r) => setTimeout(r, 20));
  const peak = new Float64Array(peaks);
  console.log(`${which} ${rows}×${cols}, budget ${values.budget} MB, load ${loadavg()[0].toFixed(2)}: ${seconds.toFixed(1)} s`);
  // Stage one's many panels and trailing updates are folded into one row, with each kind's peak.
  const rowsOut: { label: string; t: number; end: number; rss: number; peak: number; parts: Map<string, number> }[] = [];
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    const end = labels[i + 1]?.t ?? performance.now();
    const p = Math.max(peak[i], l.rss);
    const group = l.label.startsWith('eigh: dense → band') ? 'eigh: dense → band' : l.label;
    const last = rowsOut[rowsOut.length - 1];
    if (last && last.label === group && group !== l.label) {
      last.end = end;
      last.peak = Math.max(last.peak, p);
    } else rowsOut.push({ label: group, t: l.t, end, rss: l.rss, peak: p, parts: new Map() });
    const row = rowsOut[rowsOut.length - 1];
    if (group !== l.label) row.parts.set(l.label.slice(group.length + 1), Math.max(row.parts.get(l.label.slice(group.length + 1)) ?? 0, p));
  }
  console.log('phase'.padEnd(44) + 'start s'.padStart(9) + 'dur s'.padStart(8) + 'RSS in'.padStart(9) + 'peak'.padStart(8));
  for (const r of rowsOut) {
    const parts = [...r.parts].map(([k, v]) => `${k} ${(v / MiB).toFixed(0)}`).join(', ');
    console.log(
      r.label.slice(0, 43).padEnd(44) +
        ((r.t - t0) / 1000).toFixed(1).padStart(9) +
        ((r.end - r.t) / 1000).toFixed(2).padStart(8) +
        (r.rss / MiB).toFixed(0).padStart(9) +
        (r.peak / MiB).toFixed(0).padStart(8) +
        (parts ? `   (${parts})` : ''),
    );
  }
  console.log(`sampled peak ${(peak[MAX_PHASES] / MiB).toFixed(0)} MiB; maxRSS ${((process.resourceUsage().maxRSS * 1024) / MiB).toFixed(0)} MiB`);
  await sampler.terminate();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
