/**
 * Pruning curves: what measuring a point in memory (the model run without the removed layers,
 * layerSubset.ts) costs against writing the pruned copy and measuring that (prune.ts + openModel +
 * perplexity), on the same layer sets of media/sample-model in the same run; and the whole
 * three-method curve job (n = 0..2, a text of ~750 tokens). Repetitions alternate the two ways so
 * load from other processes hits both alike; medians are reported, with peak RSS.
 *
 *   npm run bench pruneCurves        (or: node --import tsx bench/pruneCurves.bench.ts)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../src/analysis/engine/engine';
import { openModel } from '../src/analysis/model/openModel';
import { loadTokenizer } from '../src/analysis/model/tokenizer';
import { perplexity } from '../src/analysis/methods/persistence/perplexity';
import { writePrunedModel } from '../src/analysis/methods/persistence/prune';
import { executorWithout } from '../src/analysis/methods/persistence/evaluation/layerSubset';
import { executorPerplexity } from '../src/analysis/methods/persistence/evaluation/scoring';
import { runPruneCurvesJob } from '../src/analysis/methods/persistence/evaluation/job';

const ROOT = join(__dirname, '..');
const SETS = [[3], [1, 2], [0, 3]];
const REPS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const engine = await getEngine();
  const sample = join(ROOT, 'media', 'sample-model');
  const model = await openModel(sample);
  const text = readFileSync(join(ROOT, 'test', 'oracles', 'prune_curves_heldout.txt'), 'utf8');
  const ids = (await loadTokenizer(sample))!.encode(text, { addBos: true });
  const dir = await mkdtemp(join(tmpdir(), 'll-bench-curves-'));
  const memory: number[] = [];
  const folder: number[] = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      let t = performance.now();
      for (const removed of SETS) {
        const ex = executorWithout(model, removed, { engine });
        try {
          await executorPerplexity(ex, ids);
        } finally {
          await ex.release();
        }
      }
      memory.push(performance.now() - t);
      t = performance.now();
      for (const removed of SETS) {
        const out = join(dir, `r${rep}-${removed.join('-')}`);
        await writePrunedModel(model, removed, out);
        await perplexity(await openModel(out), ids, { engine, maxTokens: 2048 });
      }
      folder.push(performance.now() - t);
    }
    const m = median(memory),
      f = median(folder);
    console.log(`${SETS.length} points of the sample model, ${ids.length} tokens each (median of ${REPS}):`);
    console.log(`  in memory (no copy):        ${m.toFixed(0)} ms`);
    console.log(`  pruned copy + open + measure: ${f.toFixed(0)} ms   (in memory = ${(m / f).toFixed(2)} × the copy's time)`);
    const t = performance.now();
    const r = await runPruneCurvesJob(
      model,
      { persistence: { prompts: [{ kind: 'builtin', perDomain: 10 }], k: 4, maxDim: 3 }, heldOut: { kind: 'text', text } },
      { engine },
    );
    console.log(
      `  whole job (persistence run of 40 prompts + ${r.points.length} points, ${r.evaluations} distinct sets): ${((performance.now() - t) / 1000).toFixed(2)} s`,
    );
    console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (provider ${engine.info.provider})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
