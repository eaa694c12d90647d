/**
 * Memory budget at Llama-3-70B shapes (hidden 8192, MLP 28672, BF16): does `layerLens.memoryBudgetMB`
 * bound the peak resident memory of each analysis? Target: peak RSS ≤ budget + 0.5 GB.
 *
 * A 3-layer slice of the model (test/fixtures/sparseLlama70B.ts: real names and shapes, layer
 * matrices filled with a repeating random BF16 pattern, embedding and lm_head sparse holes) and a
 * second 2-layer slice with another pattern (the diff's "after" model) go to .bench-data/. Each case
 * then runs in its own child process (`--max-old-space-size` generous, so only our own bounds limit
 * memory) which reports `process.resourceUsage().maxRSS` after the analysis:
 *   spectra of up_proj of layers 0–1 · spectra of down_proj of layers 0–1 (`spectra-down`: its right
 *   singular vectors, of length 28672, are the other side of its 8192² Gram matrix) · correlations
 *   of layer 0 · diff of layers 0–1 · DOCS layer similarity of up_proj of layers 0–2; each with
 *   budgets 2048 and 4096 MB.
 * The RSS of a child that only loaded the modules and opened the model is printed as the floor.
 *
 *   npm run bench memory70b                   (every case; tens of minutes on 2 cores)
 *   node --import tsx bench/memory70b.bench.ts [--only spectra,diff] [--budgets 2048] [--quick] [--no-arena] [--keep] [--trace] [--fp8 [--compare]]
 * --quick runs one step of each (spectra, spectra-down and correlations of layer 0, the diff of
 * layer 0's up and down, DOCS of layers 0 × 1): the budget is per step, so the peak is the same, in
 * a fraction of the time.
 * --fp8 reads the slice as a fine-grained FP8 checkpoint instead (F8_E4M3 matrices with 128×128
 * `weight_scale_inv` blocks, .bench-data/llama3-70b-slice-fp8; the diff's "after" model stays BF16)
 * and runs only the DOCS similarity case unless --only names others; --compare adds the BF16 slice's
 * row of each case from the same run. Similarity rows also give the seconds per layer pair.
 * --trace passes each child's progress lines (elapsed time, RSS, step) through, to see where a peak is reached.
 * The slices are written once and deleted at the end unless --keep or another run still uses them
 * (runs at once share them: sharedData.ts); LAYER_LENS_BENCH_DATA names another folder for them
 * than .bench-data/.
 */
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { getEngine } from '../src/analysis/engine/engine';
import { setMemoryMarkListener } from '../src/analysis/linalg/memoryMarks';
import { correlations } from '../src/analysis/methods/correlations/index';
import { runDiff } from '../src/analysis/methods/diff/diff';
import { similarity } from '../src/analysis/methods/similarity/index';
import { spectra } from '../src/analysis/methods/spectra/index';
import type { Progress } from '../src/analysis/jobs/index';
import { openModel } from '../src/analysis/model/openModel';
import { writeSparseLlama70BSlice } from '../test/fixtures/sparseLlama70B';
import { SharedBenchData } from './sharedData';

/** LAYER_LENS_BENCH_DATA: another folder for the slices (one that a concurrent run without --keep does not delete). */
const dataDir = process.env.LAYER_LENS_BENCH_DATA ?? join(__dirname, '..', '.bench-data');
const modelA = join(dataDir, 'llama3-70b-slice-a');
const modelB = join(dataDir, 'llama3-70b-slice-b');
const modelFp8 = join(dataDir, 'llama3-70b-slice-fp8');
const MiB = 2 ** 20;

/** Layers per case: the sets above, or with --quick one step of each kind (the budget is per step, so the peak is the same). */
const LAYERS = { spectra: [0, 1], 'spectra-down': [0, 1], correlations: [0], diff: [0, 1], similarity: [0, 1, 2] };
const QUICK_LAYERS = { spectra: [0], 'spectra-down': [0], correlations: [0], diff: [0], similarity: [0, 1] };

/** The child's progress on stderr: elapsed seconds, current RSS and the step, to see where the peak is. */
function progressLog(): { onProgress: (p: Progress) => void } {
  const t0 = performance.now();
  return {
    onProgress: (p) =>
      process.stderr.write(
        `  [${((performance.now() - t0) / 1000).toFixed(0)} s, RSS ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB] ${p.done}/${p.total} ${p.message ?? ''}\n`,
      ),
  };
}

const CASES = {
  /** Opens the model and builds the engine, nothing else: the floor every case starts from. */
  baseline: async (dir: string) => {
    await openModel(dir);
  },
  spectra: async (dir: string, budgetMB: number, layers: number[]) => {
    const model = await openModel(dir);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    await spectra.run(model, spectra.parseOptions({ layers, kinds: ['up'] }), { engine, force: true, ...progressLog() });
  },
  /** down_proj [8192, 28672] with the default options: its right vectors come from Wᵀ·U·Σ⁻¹, not from the Gram matrix. */
  'spectra-down': async (dir: string, budgetMB: number, layers: number[]) => {
    const model = await openModel(dir);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    await spectra.run(model, spectra.parseOptions({ layers, kinds: ['down'] }), { engine, force: true, ...progressLog() });
  },
  correlations: async (dir: string, budgetMB: number, layers: number[]) => {
    const model = await openModel(dir);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    await correlations.run(model, correlations.parseOptions({ layers }), { engine, force: true, ...progressLog() });
  },
  diff: async (dir: string, budgetMB: number, layers: number[], quick: boolean) => {
    const [a, b] = await Promise.all([openModel(dir), openModel(modelB)]);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    // --quick: the two shapes of an MLP matrix (up [28672, 8192] compared by columns, down [8192, 28672] by rows).
    await runDiff(a, b, { layers, ...(quick ? { kinds: ['up', 'down'] } : {}) }, { engine, ...progressLog() });
  },
  similarity: async (dir: string, budgetMB: number, layers: number[]) => {
    const model = await openModel(dir);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    const r = await similarity.run(model, similarity.parseOptions({ kind: 'up', layers, indices: ['docs'] }), { engine, force: true, ...progressLog() });
    // The DOCS path each pair took (chosen per machine by a timing calibration): the int8 screen holds quantized copies beside the matrices.
    return `DOCS path ${[...new Set(r.pairs.map((p) => p.docsPath ?? 'none'))].join(', ')}`;
  },
} as const;
type CaseName = keyof typeof CASES;

/** Child mode: run one case and print its peak RSS and time as one JSON line. */
async function child(name: CaseName, budgetMB: number, quick: boolean, fp8: boolean): Promise<void> {
  const t0 = performance.now();
  // The peak so far every 15 s on stderr, so that a run stopped early still tells its peak.
  const sampler = setInterval(() => {
    const peak = (process.resourceUsage().maxRSS * 1024) / MiB;
    process.stderr.write(
      `  [${((performance.now() - t0) / 1000).toFixed(0)} s] RSS ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB\n`,
    );
  }, 15_000);
  sampler.unref();
  // Each phase of the decompositions and steps (linalg/memoryMarks.ts) with the RSS and peak when it begins.
  setMemoryMarkListener((label) =>
    process.stderr.write(
      `  [${((performance.now() - t0) / 1000).toFixed(0)} s] RSS ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB, peak ${((process.resourceUsage().maxRSS * 1024) / MiB).toFixed(0)} MiB: ${label}\n`,
    ),
  );
  const layers = name === 'baseline' ? [] : (quick ? QUICK_LAYERS : LAYERS)[name];
  const detail = await CASES[name](fp8 ? modelFp8 : modelA, budgetMB, layers, quick);
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, seconds, ...(detail ? { detail } : {}) }));
}

/**
 * --no-arena: every ONNX Runtime session of this process is created without its CPU memory arena
 * (which keeps the largest buffers a session has used until the session is released). An
 * experiment switch for this benchmark, to measure what the arenas hold.
 */
function disableOrtArena(): void {
  const cls = ort.InferenceSession as unknown as { create: (...args: unknown[]) => Promise<ort.InferenceSession> };
  const create = cls.create.bind(cls);
  cls.create = (bytes: unknown, options?: unknown) =>
    create(bytes, { ...(options as ort.InferenceSession.SessionOptions | undefined), enableCpuMemArena: false });
}

function runChild(
  name: CaseName,
  budgetMB: number,
  quick: boolean,
  noArena: boolean,
  fp8: boolean,
  trace = false,
): { maxRssBytes: number; seconds: number; detail?: string } | { error: string } {
  const args = [
    '--max-old-space-size=20000',
    '--import',
    'tsx',
    __filename,
    '--child',
    name,
    '--budget',
    String(budgetMB),
    ...(quick ? ['--quick'] : []),
    ...(noArena ? ['--no-arena'] : []),
    ...(fp8 ? ['--fp8'] : []),
  ];
  const r = spawnSync(process.execPath, args, {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    maxBuffer: 64 * MiB,
    stdio: ['ignore', 'pipe', trace ? 'inherit' : 'pipe'],
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    return { error: `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}` };
  return JSON.parse(line) as { maxRssBytes: number; seconds: number; detail?: string };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      budget: { type: 'string' },
      only: { type: 'string' },
      budgets: { type: 'string' },
      keep: { type: 'boolean' },
      quick: { type: 'boolean' },
      'no-arena': { type: 'boolean' },
      fp8: { type: 'boolean' },
      compare: { type: 'boolean' },
      trace: { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  if (values['no-arena']) disableOrtArena();
  const fp8 = values.fp8 === true;
  if (values.child) return child(values.child as CaseName, Number(values.budget), quick, fp8);
  const only = (values.only?.split(',') ?? (fp8 ? ['similarity'] : ['spectra', 'spectra-down', 'correlations', 'diff', 'similarity'])) as CaseName[];
  const budgets = (values.budgets?.split(',') ?? ['2048', '4096']).map(Number);
  // The slices' storage formats to run each case on: BF16, FP8, or both side by side.
  const formats = fp8 ? (values.compare ? [true, false] : [true]) : [false];
  const slices = [
    { dir: modelA, needed: formats.includes(false), write: () => writeSparseLlama70BSlice(modelA, 3, 1) },
    { dir: modelB, needed: only.includes('diff'), write: () => writeSparseLlama70BSlice(modelB, 2, 2) },
    { dir: modelFp8, needed: fp8, write: () => writeSparseLlama70BSlice(modelFp8, 3, 1, { fp8: true }) },
  ];
  // Runs at once share the slices: one writes each, and none deletes them under another (sharedData.ts).
  const shared = new SharedBenchData(dataDir);
  for (const s of slices) {
    if (!s.needed) continue;
    await shared.ensure(join(s.dir, 'model.safetensors'), basename(s.dir), async () => {
      const t0 = performance.now();
      const w = await s.write();
      console.log(`wrote ${s.dir}: ${(w.filledBytes / 1e9).toFixed(1)} GB of pattern in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    });
  }
  const noArena = values['no-arena'] === true;
  const label = (f: boolean) => (formats.length > 1 || f ? (f ? ' (FP8)' : ' (BF16)') : '');
  for (const f of formats) {
    const floor = runChild('baseline', 4096, false, noArena, f);
    if ('error' in floor) throw new Error(`baseline child failed: ${floor.error}`);
    console.log(`floor${label(f)} (modules loaded, model opened): peak RSS ${(floor.maxRssBytes / MiB).toFixed(0)} MiB`);
  }
  let over = 0;
  for (const name of only) {
    // DOCS compares every pair of the listed layers once.
    const layerCount = (quick ? QUICK_LAYERS : LAYERS)[name as Exclude<CaseName, 'baseline'>]?.length ?? 0;
    const pairs = name === 'similarity' ? (layerCount * (layerCount - 1)) / 2 : 0;
    for (const budgetMB of budgets) {
      for (const f of formats) {
        const r = runChild(name, budgetMB, quick, noArena, f, values.trace === true);
        const limit = budgetMB * MiB + 512 * MiB;
        const row = `${(name + label(f)).padEnd(19)} budget ${budgetMB} MiB:`;
        if ('error' in r) {
          console.log(`${row} FAILED ${r.error}`);
          over++;
          continue;
        }
        const ok = r.maxRssBytes <= limit;
        if (!ok) over++;
        console.log(
          `${row} peak RSS ${(r.maxRssBytes / MiB).toFixed(0)} MiB = ${(r.maxRssBytes / limit).toFixed(2)} × (budget + 512 MiB) ${ok ? 'ok' : 'OVER'}, ${r.seconds.toFixed(0)} s` +
            (pairs ? ` (${(r.seconds / pairs).toFixed(0)} s per pair, ${pairs} pair${pairs === 1 ? '' : 's'})` : '') +
            (r.detail ? `, ${r.detail}` : ''),
        );
      }
    }
  }
  const others = shared.otherUsers();
  const deleted = shared.release(
    slices.map((s) => s.dir),
    !values.keep,
  );
  if (!values.keep && !deleted) console.log(`kept the slices in ${dataDir}: runs ${others.join(', ')} still use them`);
  if (over) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
