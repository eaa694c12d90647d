/**
 * Training-run timeline: a 20-checkpoint run of a small Llama-shaped model (4 layers, hidden 512,
 * 8 heads, 4 kv heads, ff 1376; each step adds noise and a rank-one update to the previous weights),
 * written as Trainer checkpoint-<step>/ folders, measured for drift (drift_prev, drift_first,
 * cos_first) and the spectral metrics (alpha, log_spectral_norm, stable_rank) of the q matrices.
 * Figures, from one run:
 *   1. time per checkpoint of the cold timeline, against the weight-spectra analysis alone on one
 *      checkpoint with the same settings measured in the same run (the ratio is the drift's cost);
 *   2. time to add the 21st checkpoint with the cache warm (from disk, as in the next session),
 *      against the cold per-checkpoint time (target: about one checkpoint's work, not 21);
 *   3. peak RSS.
 * Data goes to .bench-data/ and is deleted.
 *
 *   npm run bench timeline        (or: node --expose-gc --import tsx bench/timeline.bench.ts [--llama-1b] [--checkpoints N])
 * At Llama-3.2-1B's shape a checkpoint is 4.4 GB of float32: 21 of them need ~92 GB of disk.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getEngine } from '../src/analysis/engine/engine';
import { openModel } from '../src/analysis/model/openModel';
import { clearSpectraMemoryCache, runSpectra } from '../src/analysis/methods/spectra/spectra';
import { clearTimelineMemoryCache, runTimeline } from '../src/analysis/methods/timeline/timeline';
import { discoverCheckpoints } from '../src/analysis/methods/timeline/discover';
import type { MatrixRole } from '../src/analysis/model/types';
import { normalSource } from '../src/analysis/stats/random';
import { writeFixtureModel } from '../test/fixtures/makeModel';

/** `--llama-1b`: Llama-3.2-1B's shape (16 layers, hidden 2048, 32 heads, 8 kv heads, ff 8192); `--checkpoints N`. */
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const LLAMA_1B = process.argv.includes('--llama-1b');
const LAYERS = LLAMA_1B ? 16 : 4,
  HIDDEN = LLAMA_1B ? 2048 : 512,
  HEADS = LLAMA_1B ? 32 : 8,
  KV = LLAMA_1B ? 8 : 4,
  FF = LLAMA_1B ? 8192 : 1376,
  CHECKPOINTS = Number(arg('checkpoints') ?? 20),
  EVERY = 50;
const dataDir = join(__dirname, '..', '.bench-data', 'timeline');

/** Weights of every layer and role, stepped in place: W ← W + 0.01·noise + 0.02·u vᵀ/√n. */
class Run {
  private readonly weights = new Map<string, Float32Array>();
  private readonly rand = normalSource(42);

  matrix(layer: number, role: MatrixRole, [rows, cols]: [number, number]): Float32Array {
    const key = `${layer}.${role}`;
    let w = this.weights.get(key);
    if (!w) {
      w = new Float32Array(rows * cols);
      for (let i = 0; i < w.length; i++) w[i] = this.rand() / Math.sqrt(cols);
      this.weights.set(key, w);
    }
    return w;
  }

  step(): void {
    for (const w of this.weights.values()) {
      const n = Math.sqrt(w.length);
      const u = this.rand(),
        v = this.rand();
      for (let i = 0; i < w.length; i++) w[i] += (0.01 * this.rand() + (0.02 * u * v * Math.cos(i)) / n) / Math.sqrt(n);
    }
  }
}

async function writeRun(run: Run, count: number, from = 0): Promise<void> {
  for (let t = from; t < from + count; t++) {
    if (t > 0) run.step();
    const dir = join(dataDir, 'run', `checkpoint-${t * EVERY}`);
    await writeFixtureModel(dir, {
      arch: 'llama',
      layers: LAYERS,
      hidden: HIDDEN,
      heads: HEADS,
      kvHeads: KV,
      intermediate: FF,
      seed: 3,
      matrices: (l, r, s) => run.matrix(l, r, s),
    });
    await writeFile(join(dir, 'trainer_state.json'), JSON.stringify({ global_step: t * EVERY }));
  }
}

async function series() {
  return (await discoverCheckpoints(join(dataDir, 'run'))).checkpoints.map((c) => ({ path: c.path, step: c.step, name: c.name }));
}

async function main(): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const run = new Run();
  const w0 = performance.now();
  await writeRun(run, CHECKPOINTS);
  console.log(`wrote ${CHECKPOINTS} checkpoints (${LAYERS} layers, hidden ${HIDDEN}, ff ${FF}) in ${((performance.now() - w0) / 1000).toFixed(1)} s`);
  const engine = await getEngine({ providers: ['cpu'] });
  const options = { metrics: ['drift_prev', 'drift_first', 'cos_first', 'alpha', 'log_spectral_norm', 'stable_rank'] as const, kinds: ['q'] as MatrixRole[] };
  const cacheDir = join(dataDir, 'cache');

  // Reference: the weight-spectra analysis alone, one checkpoint, the same settings as the timeline's.
  const refs = await series();
  const one = await openModel(refs[0].path);
  const spectraSettings = { kinds: ['q'] as MatrixRole[], heads: false, matrixVectors: false, randDistance: false, keepValues: false };
  await runSpectra(one, spectraSettings, { engine }); // warm-up
  const s: number[] = [];
  for (const r of refs.slice(0, 5)) {
    clearSpectraMemoryCache();
    const m = await openModel(r.path);
    const t0 = performance.now();
    await runSpectra(m, spectraSettings, { engine });
    s.push(performance.now() - t0);
  }
  const spectraMs = s.reduce((a, b) => a + b, 0) / s.length;

  clearSpectraMemoryCache();
  clearTimelineMemoryCache();
  const t0 = performance.now();
  const cold = await runTimeline(await openModel(refs[0].path), { checkpoints: refs, ...options, metrics: [...options.metrics] }, { engine, cacheDir });
  const coldMs = performance.now() - t0;
  const perCheckpoint = coldMs / CHECKPOINTS;
  console.log(
    `cold timeline of ${CHECKPOINTS} checkpoints (drift + spectral metrics of q): ${(coldMs / 1000).toFixed(2)} s, ${perCheckpoint.toFixed(0)} ms per checkpoint; ` +
      `spectra alone ${spectraMs.toFixed(0)} ms per checkpoint → ratio ${(perCheckpoint / spectraMs).toFixed(2)}`,
  );
  if (cold.checkpoints.some((c) => c.error)) throw new Error(`a checkpoint failed: ${cold.checkpoints.find((c) => c.error)?.error}`);

  await writeRun(run, 1, CHECKPOINTS);
  clearSpectraMemoryCache();
  clearTimelineMemoryCache(); // the next session: entries come from disk
  const all = await series();
  const t1 = performance.now();
  const warm = await runTimeline(await openModel(all[0].path), { checkpoints: all, ...options, metrics: [...options.metrics] }, { engine, cacheDir });
  const addMs = performance.now() - t1;
  const computed = warm.checkpoints.filter((c) => !c.cached).length;
  console.log(
    `add the 21st checkpoint, cache warm (from disk): ${addMs.toFixed(0)} ms for ${warm.checkpoints.length} checkpoints, ${computed} computed; ` +
      `${(addMs / perCheckpoint).toFixed(2)}× one cold checkpoint (target ≈ 1)`,
  );
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  await rm(dataDir, { recursive: true, force: true });
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
