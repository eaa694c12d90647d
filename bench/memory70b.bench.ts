/**
 * Memory budget at Llama-3-70B shapes (hidden 8192, MLP 28672, BF16): does `layerLens.memoryBudgetMB`
 * bound the peak resident memory of each analysis? Target: peak RSS ≤ budget + 0.5 GB.
 *
 * A 3-layer slice of the model (test/fixtures/sparseLlama70B.ts: real names and shapes, layer
 * matrices filled with a repeating random BF16 pattern, embedding and lm_head sparse holes) and a
 * second 2-layer slice with another pattern (the diff's "after" model) go to .bench-data/. Each case
 * then runs in its own child process (`--max-old-space-size` generous, so only our own bounds limit
 * memory) which reports `process.resourceUsage().maxRSS` after the analysis:
 *   spectra of up_proj of layers 0–1 · correlations of layer 0 · diff of layers 0–1 · DOCS layer
 *   similarity of up_proj of layers 0–2; each with budgets 2048 and 4096 MB.
 * The RSS of a child that only loaded the modules and opened the model is printed as the floor.
 *
 *   npm run bench memory70b                   (every case; tens of minutes on 2 cores)
 *   node --import tsx bench/memory70b.bench.ts [--only spectra,diff] [--budgets 2048] [--quick] [--no-arena] [--keep]
 * --quick runs one step of each (spectra and correlations of layer 0, the diff of layer 0's up and
 * down, DOCS of layers 0 × 1): the budget is per step, so the peak is the same, in a fraction of the time.
 */
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getEngine } from '../src/analysis/engine/engine';
import { correlations } from '../src/analysis/methods/correlations/index';
import { runDiff } from '../src/analysis/methods/diff/diff';
import { similarity } from '../src/analysis/methods/similarity/index';
import { spectra } from '../src/analysis/methods/spectra/index';
import type { Progress } from '../src/analysis/jobs/index';
import { openModel } from '../src/analysis/model/openModel';
import { writeSparseLlama70BSlice } from '../test/fixtures/sparseLlama70B';

const dataDir = join(__dirname, '..', '.bench-data');
const modelA = join(dataDir, 'llama3-70b-slice-a');
const modelB = join(dataDir, 'llama3-70b-slice-b');
const MiB = 2 ** 20;

/** Layers per case: the sets above, or with --quick one step of each kind (the budget is per step, so the peak is the same). */
const LAYERS = { spectra: [0, 1], correlations: [0], diff: [0, 1], similarity: [0, 1, 2] };
const QUICK_LAYERS = { spectra: [0], correlations: [0], diff: [0], similarity: [0, 1] };

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
  baseline: async () => {
    await openModel(modelA);
  },
  spectra: async (budgetMB: number, layers: number[]) => {
    const model = await openModel(modelA);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    await spectra.run(model, spectra.parseOptions({ layers, kinds: ['up'] }), { engine, force: true, ...progressLog() });
  },
  correlations: async (budgetMB: number, layers: number[]) => {
    const model = await openModel(modelA);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    await correlations.run(model, correlations.parseOptions({ layers }), { engine, force: true, ...progressLog() });
  },
  diff: async (budgetMB: number, layers: number[], quick: boolean) => {
    const [a, b] = await Promise.all([openModel(modelA), openModel(modelB)]);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    // --quick: the two shapes of an MLP matrix (up [28672, 8192] compared by columns, down [8192, 28672] by rows).
    await runDiff(a, b, { layers, ...(quick ? { kinds: ['up', 'down'] } : {}) }, { engine, ...progressLog() });
  },
  similarity: async (budgetMB: number, layers: number[]) => {
    const model = await openModel(modelA);
    const engine = await getEngine({ memoryBudgetMB: budgetMB });
    await similarity.run(model, similarity.parseOptions({ kind: 'up', layers, indices: ['docs'] }), { engine, force: true, ...progressLog() });
  },
} as const;
type CaseName = keyof typeof CASES;

/** Child mode: run one case and print its peak RSS and time as one JSON line. */
async function child(name: CaseName, budgetMB: number, quick: boolean): Promise<void> {
  const t0 = performance.now();
  // The peak so far every 15 s on stderr, so that a run stopped early still tells its peak.
  const sampler = setInterval(() => {
    const peak = (process.resourceUsage().maxRSS * 1024) / MiB;
    process.stderr.write(
      `  [${((performance.now() - t0) / 1000).toFixed(0)} s] RSS ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB\n`,
    );
  }, 15_000);
  sampler.unref();
  const layers = name === 'baseline' ? [] : (quick ? QUICK_LAYERS : LAYERS)[name];
  await CASES[name](budgetMB, layers, quick);
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, seconds }));
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

function runChild(name: CaseName, budgetMB: number, quick: boolean, noArena: boolean): { maxRssBytes: number; seconds: number } | { error: string } {
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
  ];
  const r = spawnSync(process.execPath, args, { cwd: join(__dirname, '..'), encoding: 'utf8', maxBuffer: 64 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    return { error: `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}` };
  return JSON.parse(line) as { maxRssBytes: number; seconds: number };
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
    },
  });
  const quick = values.quick === true;
  if (values['no-arena']) disableOrtArena();
  if (values.child) return child(values.child as CaseName, Number(values.budget), quick);
  const only = (values.only?.split(',') ?? ['spectra', 'correlations', 'diff', 'similarity']) as CaseName[];
  const budgets = (values.budgets?.split(',') ?? ['2048', '4096']).map(Number);
  if (!existsSync(join(modelA, 'model.safetensors')) || !existsSync(join(modelB, 'model.safetensors'))) {
    const t0 = performance.now();
    const a = await writeSparseLlama70BSlice(modelA, 3, 1);
    const b = await writeSparseLlama70BSlice(modelB, 2, 2);
    console.log(
      `wrote 70B-shaped slices: 3 + 2 layers, ${((a.filledBytes + b.filledBytes) / 1e9).toFixed(1)} GB of pattern in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const noArena = values['no-arena'] === true;
  const floor = runChild('baseline', 4096, false, noArena);
  if ('error' in floor) throw new Error(`baseline child failed: ${floor.error}`);
  console.log(`floor (modules loaded, model opened): peak RSS ${(floor.maxRssBytes / MiB).toFixed(0)} MiB`);
  let over = 0;
  for (const name of only) {
    for (const budgetMB of budgets) {
      const r = runChild(name, budgetMB, quick, noArena);
      const limit = budgetMB * MiB + 512 * MiB;
      if ('error' in r) {
        console.log(`${name.padEnd(12)} budget ${budgetMB} MiB: FAILED ${r.error}`);
        over++;
        continue;
      }
      const ok = r.maxRssBytes <= limit;
      if (!ok) over++;
      console.log(
        `${name.padEnd(12)} budget ${budgetMB} MiB: peak RSS ${(r.maxRssBytes / MiB).toFixed(0)} MiB = ${(r.maxRssBytes / limit).toFixed(2)} × (budget + 512 MiB) ${ok ? 'ok' : 'OVER'}, ${r.seconds.toFixed(0)} s`,
      );
    }
  }
  if (!values.keep) await Promise.all([rm(modelA, { recursive: true, force: true }), rm(modelB, { recursive: true, force: true })]);
  if (over) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
