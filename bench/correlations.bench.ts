// Weight correlations M1–M8, CPU:
//   1. stories260K, every layer and head (5 layers, 8 query heads over 4 kv heads): a cold run
//      (memory cache cleared) and a cached re-run.
//   2. One synthetic layer shaped like Llama 3.2 1B (d 2048, 32 query heads over 8 kv heads,
//      head_dim 64, ff 8192; entries N(0, 0.02²)), in memory: the per-head measures, pinv(Wu), and
//      the three M8 products in closed form — and, in the same run, one M8 value computed the plain
//      way (the 2048×2048 product formed by GEMM, then Pearson with I) for the ratio and agreement.
//   node --import tsx bench/correlations.bench.ts
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { getEngine } from '../src/analysis/engine/engine';
import { matmul } from '../src/analysis/engine/kernels/matmul';
import { pearson } from '../src/analysis/engine/kernels/pearson';
import { transpose, type Matrix } from '../src/analysis/linalg/matrix';
import { pinv } from '../src/analysis/linalg/pinv';
import { runCorrelations } from '../src/analysis/methods/correlations/correlations';
import { clearCorrelationsMemoryCache } from '../src/analysis/methods/correlations/correlations';
import { ccProductIdentity, headCorrelations } from '../src/analysis/methods/correlations/measures';
import { openModel } from '../src/analysis/model/openModel';
import type { ModelHandle } from '../src/analysis/model/types';
import { normalSource } from '../src/analysis/stats/random';

const STORIES = resolve(__dirname, '..', 'test', 'fixtures', 'models', 'stories260K');

function random(rows: number, cols: number, seed: number, scale = 0.02): Matrix {
  const n = normalSource(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = scale * n();
  return { rows, cols, data };
}

async function time<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, (performance.now() - t0) / 1000];
}

async function main(): Promise<void> {
  const engine = await getEngine({ providers: ['cpu'] });
  console.log(
    `engine: ${engine.info.provider}, ${engine.info.threads} threads; ${cpus().length} cores, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );

  const stories = await openModel(STORIES);
  clearCorrelationsMemoryCache();
  const [cold, coldS] = await time(() => runCorrelations(stories, {}, { engine }));
  const [, warmS] = await time(() => runCorrelations(stories, {}, { engine }));
  console.log(
    `stories260K: ${cold.entries.length} layers × ${cold.entries[0].heads.length} heads, cold ${coldS.toFixed(3)} s, cached ${warmS.toFixed(4)} s; M6 r = ${cold.m6?.r.toFixed(4)}`,
  );

  const d = 2048,
    heads = 32,
    kv = 8,
    hd = 64,
    ff = 8192;
  const model = { path: 'synthetic 1B layer', attention: { numHeads: heads, numKvHeads: kv, headDim: hd } } as unknown as ModelHandle;
  const q = random(heads * hd, d, 1),
    k = random(kv * hd, d, 2),
    v = random(kv * hd, d, 3),
    o = random(d, heads * hd, 4);
  const gate = random(ff, d, 5),
    up = random(ff, d, 6),
    down = random(d, ff, 7);
  const [hs, headS] = await time(() => headCorrelations(model, { q, k, v, o }, { engine }));
  const [p, pinvS] = await time(() => pinv(up, { engine }));
  const downT = transpose(down);
  const [m8, m8S] = await time(async () => [
    await ccProductIdentity(engine, downT, gate),
    await ccProductIdentity(engine, downT, up),
    await ccProductIdentity(engine, downT, transpose(p)),
  ]);
  const [plain, plainS] = await time(async () => {
    const m = await matmul(engine, down, up); // d×d formed whole
    const eye = new Float32Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 1;
    return pearson(m.data, eye);
  });
  const [, m7S] = await time(async () => [
    pearson(gate.data, up.data),
    pearson(gate.data, downT.data),
    pearson(up.data, downT.data),
    pearson(p.data, down.data),
  ]);
  console.log(`1B-shaped layer (d ${d}, ${heads}/${kv} heads, hd ${hd}, ff ${ff}):`);
  console.log(`  M1–M5 for ${hs.length} heads: ${headS.toFixed(3)} s`);
  console.log(`  pinv(Wu) ${ff}×${d} (Gram eigen-decomposition): ${pinvS.toFixed(2)} s`);
  console.log(`  M7 (4 Pearson over ${ff * d} entries): ${m7S.toFixed(3)} s`);
  console.log(`  M8, 3 products in closed form (row blocks, never the whole ${d}×${d}): ${m8S.toFixed(2)} s; cc(Wd·Wu, I) = ${m8[1].toExponential(4)}`);
  console.log(
    `  one M8 product formed whole by GEMM + Pearson with I: ${plainS.toFixed(2)} s, cc = ${plain.toExponential(4)}; |difference| ${Math.abs(plain - m8[1]).toExponential(2)}; closed form per product / formed: ${(m8S / 3 / plainS).toFixed(2)}×`,
  );
  console.log(`  whole layer: ${(headS + pinvS + m7S + m8S).toFixed(2)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
