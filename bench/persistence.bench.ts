// Zigzag persistence similarity, CPU: 1000 synthetic points of dimension 2048 over 33
// clouds, k = 5, the analysis's default clique dimension (4, as the reference) — the scale of 1000 prompts through a 32-layer model. Reports
// the total time and its split (k-NN through the engine's GEMM, clique complexes, building the
// coned zigzag filtration, the mod-2 reduction), the size of the zigzag and the peak RSS.
//
// Synthetic clouds: 1000 points drawn around 12 cluster centres in a 24-dimensional latent space,
// embedded in 2048 dimensions by a random linear map plus isotropic noise; each next cloud is the
// previous one plus a random drift, like a residual stream (about a quarter of the k-NN edges change
// per layer, so the zigzag has real work to do).
//   node --import tsx bench/persistence.bench.ts [points] [dimension] [clouds] [clique dimension]
import { cpus, loadavg } from 'node:os';
import { getEngine } from '../src/analysis/engine/engine';
import type { Matrix } from '../src/analysis/linalg/matrix';
import { persistenceAnalysis } from '../src/analysis/methods/persistence/persistence';
import { DEFAULT_MAX_DIM } from '../src/analysis/methods/persistence/defaults';
import { normalSource } from '../src/analysis/stats/random';

function clouds(n: number, d: number, count: number, seed: number): Matrix[] {
  const rnd = normalSource(seed);
  const latent = 24,
    clusters = 12;
  const centres = Array.from({ length: clusters }, () => Float64Array.from({ length: latent }, () => 3 * rnd()));
  const embed = Float32Array.from({ length: latent * d }, () => rnd() / Math.sqrt(latent));
  const first = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[i % clusters];
    const z = Float64Array.from({ length: latent }, (_, t) => c[t] + rnd());
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < latent; t++) s += z[t] * embed[t * d + j];
      first[i * d + j] = s + 0.3 * rnd();
    }
  }
  const out: Matrix[] = [{ rows: n, cols: d, data: first }];
  for (let l = 1; l < count; l++) {
    const prev = out[l - 1].data,
      next = new Float32Array(n * d);
    for (let i = 0; i < next.length; i++) next[i] = prev[i] + 0.35 * rnd();
    out.push({ rows: n, cols: d, data: next });
  }
  return out;
}

async function main(): Promise<void> {
  const [n, d, count] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 2048), Number(process.argv[4] ?? 33)];
  const maxDim = Number(process.argv[5] ?? DEFAULT_MAX_DIM);
  const engine = await getEngine({ providers: ['cpu'] });
  console.log(
    `engine: ${engine.info.provider}, ${engine.info.threads} threads; ${cpus().length} cores, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const t0 = performance.now();
  const data = clouds(n, d, count, 9);
  console.log(`generated ${count} clouds of ${n} × ${d} in ${((performance.now() - t0) / 1000).toFixed(1)} s (not counted below)`);
  const names = data.map((_, l) => `cloud ${l}`);
  const t1 = performance.now();
  const r = await persistenceAnalysis(engine, data, names, { k: 5, maxDim });
  const total = (performance.now() - t1) / 1000;
  const t = r.timings;
  const simplices = r.simplexCounts.reduce((s, c) => s + c.reduce((a, b) => a + b, 0), 0);
  console.log(`persistence: ${n} points × ${d} dims × ${count} clouds, k = 5, clique dimension ${maxDim}`);
  console.log(`  total            ${total.toFixed(2)} s`);
  console.log(`  k-NN (GEMM)      ${(t.knnMs / 1000).toFixed(2)} s`);
  console.log(`  clique complexes ${(t.complexMs / 1000).toFixed(2)} s`);
  console.log(`  zigzag build     ${(t.zigzagBuildMs / 1000).toFixed(2)} s`);
  console.log(`  reduction        ${(t.reductionMs / 1000).toFixed(2)} s`);
  console.log(`  descriptors etc. ${(total - (t.knnMs + t.complexMs + t.zigzagBuildMs + t.reductionMs) / 1000).toFixed(2)} s`);
  console.log(
    `  simplices over all clouds ${simplices} (per cloud, last: ${r.simplexCounts[count - 1].join(' / ')}); instances in the zigzag ${r.instances}; coned filtration ${2 * r.instances + 1} columns`,
  );
  console.log(
    `  bars: ${r.homologyDims.map((p) => `H${p} ${r.bars.filter((b) => b.dim === p).length}`).join(', ')}; β1 first/last ${r.betti[1][0]}/${r.betti[1][count - 1]}`,
  );
  console.log(
    `  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (includes the ${((count * n * d * 4) / 2 ** 20).toFixed(0)} MiB of clouds)`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
