/**
 * Engine benchmark: ORT GEMM throughput (the "peak" every other figure is a ratio of) and the DOCS
 * max-|cosine| reduction at the Llama-3-8B MLP shape (X, Y of 14336×4096), measured in the same
 * run. Each stage runs in its own child process so that its peak resident memory
 * (process.resourceUsage().maxRSS) is its own. Target: DOCS reduction ≥ 0.8 × GEMM peak. The DOCS
 * stage also times a 4096³ GEMM between its runs, so that one ratio compares like with like even
 * when other processes share the cores.
 *
 *   npm run bench engine        (or: node --import tsx bench/engine.bench.ts)
 */
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { getEngine, type Engine } from '../src/analysis/engine/engine';
import { describeEngine } from '../src/analysis/engine/info';
import { maxAbsCosine } from '../src/analysis/engine/kernels/maxAbsCosine';
import { GraphBuilder } from '../src/analysis/engine/graph';

interface StageResult {
  stage: string;
  engine: string;
  figures: Record<string, number>;
  maxRssMiB: number;
}

/** Cheap uniform values in [-1, 1): the data only has to be dense and non-degenerate. */
function fill(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2147483648 - 1;
  }
  return out;
}

function buildProduct(transB: boolean): Uint8Array {
  const g = new GraphBuilder('bench_gemm');
  const a = g.input('a', 'float32', ['m', 'k']);
  const b = g.input('b', 'float32', transB ? ['n', 'k'] : ['k', 'n']);
  g.output(transB ? g.op('Gemm', [a, b], { transB: 1 }) : g.op('MatMul', [a, b]), 'float32', { as: 'c' });
  return g.toBytes();
}

/** Best GFLOP/s of `repeats` timed runs of an n³ product (after one warm-up run). */
async function gemmGflops(engine: Engine, n: number, transB: boolean, repeats: number): Promise<number> {
  const a = new ort.Tensor('float32', fill(n * n, 1), [n, n]);
  const b = new ort.Tensor('float32', fill(n * n, 2), [n, n]);
  const c = new ort.Tensor('float32', new Float32Array(n * n), [n, n]);
  const signature = `bench:gemm:${+transB}`;
  await engine.run(signature, () => buildProduct(transB), { a, b }, { c });
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await engine.run(signature, () => buildProduct(transB), { a, b }, { c });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return (2 * n ** 3) / best / 1e9;
}

async function stageGemm(engine: Engine): Promise<Record<string, number>> {
  return {
    matmul_2048_gflops: await gemmGflops(engine, 2048, false, 3),
    matmul_4096_gflops: await gemmGflops(engine, 4096, false, 2),
    gemm_transB_4096_gflops: await gemmGflops(engine, 4096, true, 2),
  };
}

async function stageDocs(engine: Engine): Promise<Record<string, number>> {
  const n = 14336,
    m = 4096;
  const x = { rows: n, cols: m, data: fill(n * m, 3) };
  const y = { rows: n, cols: m, data: fill(n * m, 4) };
  const flop = 2 * n * m * m;
  // GEMM runs interleaved with the DOCS runs (same process, same moments), so the ratio holds even
  // when other work shares the machine; it reuses the first 4096 rows of X and Y as its operands.
  const k = 4096;
  const a = new ort.Tensor('float32', x.data.subarray(0, k * k), [k, k]);
  const b = new ort.Tensor('float32', y.data.subarray(0, k * k), [k, k]);
  const c = new ort.Tensor('float32', new Float32Array(k * k), [k, k]);
  let gemmBest = Infinity,
    docsBest = Infinity,
    firstCall = 0;
  let previous: Float32Array | undefined;
  let blocks = 0;
  for (let round = 0; round < 3; round++) {
    let t0 = performance.now();
    await engine.run('bench:gemm:0', () => buildProduct(false), { a, b }, { c });
    if (round > 0) gemmBest = Math.min(gemmBest, (performance.now() - t0) / 1000);
    t0 = performance.now();
    const r = await maxAbsCosine(engine, x, y);
    const s = (performance.now() - t0) / 1000;
    if (round === 0) firstCall = s;
    docsBest = Math.min(docsBest, s);
    if (previous && r.rowMax.some((v, i) => v !== previous![i])) throw new Error('maxAbsCosine is not deterministic between runs');
    previous = r.rowMax;
    blocks = r.blocks;
  }
  return {
    docs_seconds: docsBest,
    docs_first_call_seconds: firstCall,
    docs_gflops: flop / docsBest / 1e9,
    interleaved_gemm_gflops: (2 * k ** 3) / gemmBest / 1e9,
    docs_blocks: blocks,
  };
}

async function runStage(stage: string): Promise<void> {
  const engine = await getEngine();
  const figures = stage === 'gemm' ? await stageGemm(engine) : await stageDocs(engine);
  const result: StageResult = { stage, engine: describeEngine(engine.info), figures, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function spawnStage(stage: string): StageResult {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--stage', stage], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`bench stage ${stage} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as StageResult;
}

async function main(): Promise<void> {
  const stageArg = process.argv.indexOf('--stage');
  if (stageArg >= 0) return runStage(process.argv[stageArg + 1]);
  const gemm = spawnStage('gemm');
  const docs = spawnStage('docs');
  const peak = Math.max(...Object.values(gemm.figures), docs.figures.interleaved_gemm_gflops);
  const f = (v: number) => v.toFixed(1);
  const d = docs.figures;
  console.log(`engine: ${gemm.engine}`);
  console.log(`GEMM fp32 2048³ MatMul:        ${f(gemm.figures.matmul_2048_gflops)} GFLOP/s`);
  console.log(`GEMM fp32 4096³ MatMul:        ${f(gemm.figures.matmul_4096_gflops)} GFLOP/s`);
  console.log(`GEMM fp32 4096³ Gemm transB:   ${f(gemm.figures.gemm_transB_4096_gflops)} GFLOP/s`);
  console.log(`GEMM fp32 4096³ MatMul, interleaved with the DOCS runs: ${f(d.interleaved_gemm_gflops)} GFLOP/s`);
  console.log(`GEMM peak (best of the above): ${f(peak)} GFLOP/s; peak RSS of the GEMM stage ${f(gemm.maxRssMiB)} MiB`);
  console.log(
    `DOCS maxAbsCosine 14336×4096 vs 14336×4096 (${d.docs_blocks} block(s)): best ${d.docs_seconds.toFixed(2)} s of 3 (first call ${d.docs_first_call_seconds.toFixed(2)} s), ` +
      `${f(d.docs_gflops)} GFLOP/s; ratio to GEMM peak ${(d.docs_gflops / peak).toFixed(3)}, to the interleaved GEMM ` +
      `${(d.docs_gflops / d.interleaved_gemm_gflops).toFixed(3)} (target ≥ 0.8); peak RSS of the DOCS stage ${f(docs.maxRssMiB)} MiB`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
