/**
 * Executor benchmark: forward and forward+backward time per 128-token prompt of a synthetic model
 * shaped like Llama-3.2-1B (16 layers, hidden 2048, MLP 8192, 32 query / 8 key-value heads,
 * vocabulary 128256, tied embeddings, llama3 RoPE scaling; 1.24 B parameters), streamed layer by
 * layer from a BF16 safetensors file (2.5 GB, written once to .bench-data/ with random weights),
 * on this machine's CPU. PyTorch is compared in the same run when `python3 -c "import torch"` works.
 *
 * Each measurement runs in its own child process (so that start-up costs and peak RSS are its own):
 * two processes one after the other with onnxruntime's CPU memory arena off (the default), then one
 * with it on (LAYER_LENS_ORT_ARENA=1). Each reports where its start-up goes (building and
 * serialising the graphs, creating their sessions, the first forward+backward), forward and
 * forward+backward times, the layer matmuls' GFLOP/s as a share of a standalone MatMul of the MLP's
 * shape measured in the same process, and its peak RSS. Then forward+backward over 4 layers with
 * and without the arena, interleaved in one process, and the singular values of a 14336×4096
 * matrix in a process without and one with the arena (the eigen reduction's sessions are
 * long-lived, so they show what arenas keep).
 *
 *   npm run bench executor
 *   LAYER_LENS_ORT_ARENA=1 node --import tsx bench/executor.bench.ts --child executor   # one child: JSON on its RESULT line
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { openModel } from '../src/analysis/model/openModel';
import { getEngine, GraphBuilder, DEFAULT_CPU_MEM_ARENA, type Engine } from '../src/analysis/engine/index';
import { decoderConfig, DecoderExecutor, executorFor, fileWeightSource } from '../src/analysis/model/executor/index';
import { singularValues } from '../src/analysis/linalg/svd';

const DIR = join(__dirname, '..', '.bench-data', 'llama-3.2-1b-synthetic');
const CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 16,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 64,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
};
const T = 128;

function tensorList(): Array<[string, number[]]> {
  const { hidden_size: d, intermediate_size: ff, num_attention_heads: H, num_key_value_heads: Hkv, head_dim: hd, vocab_size: V } = CONFIG;
  const list: Array<[string, number[]]> = [
    ['model.embed_tokens.weight', [V, d]],
    ['model.norm.weight', [d]],
  ];
  for (let l = 0; l < CONFIG.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    list.push(
      [p + 'input_layernorm.weight', [d]],
      [p + 'post_attention_layernorm.weight', [d]],
      [p + 'self_attn.q_proj.weight', [H * hd, d]],
      [p + 'self_attn.k_proj.weight', [Hkv * hd, d]],
      [p + 'self_attn.v_proj.weight', [Hkv * hd, d]],
      [p + 'self_attn.o_proj.weight', [d, H * hd]],
      [p + 'mlp.gate_proj.weight', [ff, d]],
      [p + 'mlp.up_proj.weight', [ff, d]],
      [p + 'mlp.down_proj.weight', [d, ff]],
    );
  }
  return list;
}

/** BF16 bits of N(0, σ) samples (a 4 Mi-value block tiled over every tensor; norms get 1.0). */
function writeModel(): void {
  mkdirSync(DIR, { recursive: true });
  const list = tensorList();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', note: 'random weights for bench/executor.bench.ts' } };
  let offset = 0;
  for (const [name, shape] of list) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const block = new Uint16Array(1 << 22);
  const f = new Float32Array(1),
    u = new Uint32Array(f.buffer);
  let s = 42;
  for (let i = 0; i < block.length; i++) {
    s = (1664525 * s + 1013904223) % 4294967296;
    const u1 = Math.max(s / 4294967296, 1e-12);
    s = (1664525 * s + 1013904223) % 4294967296;
    f[0] = 0.02 * Math.sqrt(-2 * Math.log(u1)) * Math.cos((2 * Math.PI * s) / 4294967296);
    block[i] = u[0] >>> 16;
  }
  const ones = new Uint16Array(8192).fill(0x3f80);
  const fd = openSync(join(DIR, 'model.safetensors.partial'), 'w');
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  writeSync(fd, head);
  writeSync(fd, json);
  for (const [name, shape] of list) {
    let n = shape.reduce((a, b) => a * b, 1);
    const src = shape.length === 1 ? ones : block;
    while (n > 0) {
      const k = Math.min(n, src.length);
      writeSync(fd, new Uint8Array(src.buffer, 0, k * 2));
      n -= k;
    }
    void name;
  }
  closeSync(fd);
  spawnSync('mv', [join(DIR, 'model.safetensors.partial'), join(DIR, 'model.safetensors')]);
  writeFileSync(join(DIR, 'config.json'), JSON.stringify(CONFIG, null, 2));
}

function torchAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

const THREADS = availableParallelism();
const secondsSince = (t0: number) => (performance.now() - t0) / 1000;
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

interface Cost {
  seconds: number;
  /** User + system CPU time of the whole process: less sensitive than wall time to other work on a shared machine. */
  cpuSeconds: number;
  /** System CPU time alone (mostly the kernel zeroing freshly mapped pages). */
  systemSeconds: number;
  minorPageFaults: number;
}

async function measure(f: () => Promise<unknown>): Promise<Cost> {
  const u0 = process.resourceUsage();
  const t0 = performance.now();
  await f();
  const seconds = secondsSince(t0);
  const u1 = process.resourceUsage();
  return {
    seconds,
    cpuSeconds: (u1.userCPUTime + u1.systemCPUTime - u0.userCPUTime - u0.systemCPUTime) / 1e6,
    systemSeconds: (u1.systemCPUTime - u0.systemCPUTime) / 1e6,
    minorPageFaults: u1.minorPageFault - u0.minorPageFault,
  };
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return secondsSince(t0);
}

/** Session creation time of this process, measured around onnxruntime's own entry point. */
function countSessionCreation(): { seconds: number; sessions: number } {
  const total = { seconds: 0, sessions: 0 };
  const cls = ort.InferenceSession as unknown as { create: (...args: unknown[]) => Promise<ort.InferenceSession> };
  const create = cls.create.bind(cls);
  cls.create = async (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return await create(...args);
    } finally {
      total.seconds += secondsSince(t0);
      total.sessions++;
    }
  };
  return total;
}

/** GFLOP/s of a standalone MatMul [m,k]·[k,n] (B an input, as the executor feeds its weights), best of `repeats`. */
async function matmulGflops(engine: Engine, m: number, k: number, n: number, repeats: number): Promise<number> {
  const build = () => {
    const g = new GraphBuilder('bench_matmul');
    g.output(g.op('MatMul', [g.input('a', 'float32', ['m', 'k']), g.input('b', 'float32', ['k', 'n'])]), 'float32', { as: 'c' });
    return g.toBytes();
  };
  const fill = (len: number) => Float32Array.from({ length: len }, (_, i) => Math.sin(i) * 0.1);
  const feeds = { a: new ort.Tensor('float32', fill(m * k), [m, k]), b: new ort.Tensor('float32', fill(k * n), [k, n]) };
  await engine.run('bench:matmul', build, feeds);
  let best = Infinity;
  for (let r = 0; r < repeats; r++) best = Math.min(best, await time(() => engine.run('bench:matmul', build, feeds)));
  return (2 * m * k * n) / best / 1e9;
}

interface ExecutorFigures {
  arena: boolean;
  sessions: number;
  /** Building + serialising the five graphs and creating their sessions (provider probe included). */
  graphsReady: number;
  sessionCreation: number;
  firstForwardBackward: Cost;
  forward: number[];
  forwardBackward: Cost;
  layerGflops: number;
  matmulGflops: number;
  rssAfterMiB: number;
  peakRssMiB: number;
  engine: string;
}

async function childExecutor(): Promise<ExecutorFigures> {
  const created = countSessionCreation();
  const t0 = performance.now();
  const engine = await getEngine({ threads: THREADS });
  const model = await openModel(DIR);
  const ex = executorFor(model, { engine, threads: THREADS });
  const graphs = ex.sessions();
  // One after the other, so that the sum of session creation times is wall time.
  await graphs.blockForward(ex.specs[0]);
  await graphs.blockBackward(ex.specs[0]);
  await graphs.headForward('rms');
  await graphs.headBackward('rms');
  const graphsReady = secondsSince(t0);
  const ids = [Array.from({ length: T }, (_, i) => (i * 7919) % CONFIG.vocab_size)];
  const backward = { objective: 'max-logit' as const, reuseLayerBuffers: true, onLayer: () => {} }; // as the activation analysis asks
  const firstForwardBackward = await measure(() => ex.run(ids, { logits: 'last' }, backward));
  const forward = [await time(() => ex.run(ids, { logits: 'last' })), await time(() => ex.run(ids, { logits: 'last' }))];
  const forwardBackward = await measure(() => ex.run(ids, { logits: 'last' }, backward));
  const flopsForward = 2 * T * (ex.layerBytes() / 4) * CONFIG.num_hidden_layers; // layer matmuls; attention and head excluded
  const figures: ExecutorFigures = {
    arena: DEFAULT_CPU_MEM_ARENA,
    sessions: created.sessions,
    graphsReady,
    sessionCreation: created.seconds,
    firstForwardBackward,
    forward,
    forwardBackward,
    layerGflops: flopsForward / Math.min(...forward) / 1e9,
    matmulGflops: await matmulGflops(engine, T, CONFIG.hidden_size, CONFIG.intermediate_size, 5),
    rssAfterMiB: process.memoryUsage().rss / 2 ** 20,
    peakRssMiB: peakRssMiB(),
    engine: `${engine.info.provider}, ${engine.info.threads} threads`,
  };
  await ex.release();
  return figures;
}

interface SvdFigures {
  arena: boolean;
  seconds: number;
  peakRssMiB: number;
}

/** Singular values of a 14336×4096 matrix (Llama-3-8B's MLP shape): Gram product, then the eigen reduction's long-lived sessions. */
async function childSvd(): Promise<SvdFigures> {
  const engine = await getEngine({ threads: THREADS });
  const [rows, cols] = [14336, 4096];
  const data = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.7071) * 0.02);
  const seconds = await time(() => singularValues({ rows, cols, data }, { engine }));
  return { arena: DEFAULT_CPU_MEM_ARENA, seconds, peakRssMiB: peakRssMiB() };
}

interface InterleavedFigures {
  layers: number;
  off: Cost[];
  on: Cost[];
}

/**
 * Forward+backward over the first layers, alternating between two engines that differ only in the
 * arena, so that both see the same machine load (absolute times on a shared machine drift by 2×).
 */
async function childInterleaved(): Promise<InterleavedFigures> {
  const layers = 4;
  const model = await openModel(DIR);
  const cfg = { ...decoderConfig(model), numLayers: layers };
  const executors = {
    off: new DecoderExecutor(cfg, fileWeightSource(model), { engine: await getEngine({ threads: THREADS, enableCpuMemArena: false }) }),
    on: new DecoderExecutor(cfg, fileWeightSource(model), { engine: await getEngine({ threads: THREADS, enableCpuMemArena: true }) }),
  };
  const ids = [Array.from({ length: T }, (_, i) => (i * 7919) % CONFIG.vocab_size)];
  const backward = { objective: 'max-logit' as const, reuseLayerBuffers: true, onLayer: () => {} }; // as the activation analysis asks
  const figures: InterleavedFigures = { layers, off: [], on: [] };
  for (const ex of Object.values(executors)) await ex.run(ids, { logits: 'last' }, backward);
  for (let round = 0; round < 4; round++) {
    for (const which of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      figures[which].push(await measure(() => executors[which].run(ids, { logits: 'last' }, backward)));
    }
  }
  return figures;
}

function spawnChild<F>(kind: 'executor' | 'svd' | 'interleaved', arena: boolean): F {
  const args = [...process.execArgv, process.argv[1], '--child', kind];
  const env = { ...process.env, LAYER_LENS_ORT_ARENA: arena ? '1' : '0' };
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, env });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`bench child ${kind} (arena ${arena}) failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as F;
}

async function child(kind: string): Promise<void> {
  const figures = kind === 'svd' ? await childSvd() : kind === 'interleaved' ? await childInterleaved() : await childExecutor();
  process.stdout.write(`RESULT ${JSON.stringify(figures)}\n`);
}

function report(label: string, f: ExecutorFigures): void {
  const s = (x: number) => x.toFixed(2);
  const best = (xs: number[]) => Math.min(...xs);
  console.log(`${label} (arena ${f.arena ? 'on' : 'off'}; ${f.engine}):`);
  console.log(
    `  graphs ready:     ${s(f.graphsReady)} s (${f.sessions} sessions created in ${s(f.sessionCreation)} s; the rest is building and serialising them)`,
  );
  const cost = (c: Cost) => `${s(c.seconds)} s (CPU ${s(c.cpuSeconds)} s, of which system ${s(c.systemSeconds)} s; ${c.minorPageFaults} page faults)`;
  console.log(`  first fwd+bwd:    ${cost(f.firstForwardBackward)}`);
  console.log(`  forward:          ${s(best(f.forward))} s (best of ${f.forward.map(s).join(', ')}) = ${(T / best(f.forward)).toFixed(0)} tokens/s`);
  console.log(`  forward+backward: ${cost(f.forwardBackward)}; backward/forward = ${(f.forwardBackward.seconds / best(f.forward) - 1).toFixed(2)}`);
  console.log(
    `  layer matmuls:    ${f.layerGflops.toFixed(1)} GFLOP/s = ${(f.layerGflops / f.matmulGflops).toFixed(2)}× a standalone MatMul ${T}×${CONFIG.hidden_size}·${CONFIG.hidden_size}×${CONFIG.intermediate_size} in the same process (${f.matmulGflops.toFixed(1)} GFLOP/s)`,
  );
  console.log(`  RSS after the runs ${f.rssAfterMiB.toFixed(0)} MiB; peak RSS ${f.peakRssMiB.toFixed(0)} MiB`);
}

async function main(): Promise<void> {
  const childArg = process.argv.indexOf('--child');
  if (childArg >= 0) return child(process.argv[childArg + 1]);
  if (!existsSync(join(DIR, 'model.safetensors'))) {
    const t0 = performance.now();
    writeModel();
    console.log(`wrote ${DIR} (BF16, random) in ${secondsSince(t0).toFixed(1)} s`);
  }
  const layerMatrices = tensorList().filter(([name, shape]) => name.startsWith('model.layers.') && shape.length === 2);
  const params = layerMatrices.reduce((sum, [, [rows, cols]]) => sum + rows * cols, 0) / 1e6;
  console.log(
    `model: ${CONFIG.num_hidden_layers} layers, ${params.toFixed(0)} M layer parameters + ${((CONFIG.vocab_size * CONFIG.hidden_size) / 1e6).toFixed(1)} M embedding, BF16 on disk; prompt ${T} tokens`,
  );
  const first = spawnChild<ExecutorFigures>('executor', false);
  report('first process', first);
  const second = spawnChild<ExecutorFigures>('executor', false);
  report('second process', second);
  report('third process', spawnChild<ExecutorFigures>('executor', true));
  const inter = spawnChild<InterleavedFigures>('interleaved', false);
  const sum = (cs: Cost[], key: keyof Cost) => cs.reduce((a, c) => a + c[key], 0);
  const list = (cs: Cost[]) => cs.map((c) => c.seconds.toFixed(2)).join(', ');
  console.log(`forward+backward over ${inter.layers} layers, interleaved in one process (wall s): arena off ${list(inter.off)}; on ${list(inter.on)}`);
  for (const [key, what] of [
    ['seconds', 'wall'],
    ['cpuSeconds', 'CPU'],
    ['systemSeconds', 'system CPU'],
    ['minorPageFaults', 'page faults'],
  ] as const) {
    const [off, on] = [sum(inter.off, key) / inter.off.length, sum(inter.on, key) / inter.on.length];
    console.log(
      `  mean ${what} per run: off ${off.toFixed(key === 'minorPageFaults' ? 0 : 2)}, on ${on.toFixed(key === 'minorPageFaults' ? 0 : 2)}; on/off ${(on / off).toFixed(2)}`,
    );
  }
  for (const arena of [false, true]) {
    const f = spawnChild<SvdFigures>('svd', arena);
    console.log(`singular values of 14336×4096, arena ${f.arena ? 'on' : 'off'}: ${f.seconds.toFixed(2)} s; peak RSS ${f.peakRssMiB.toFixed(0)} MiB`);
  }
  if (torchAvailable()) {
    const r = spawnSync('python3', [join(__dirname, 'executor_torch.py'), String(THREADS)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the PyTorch reference failed: ${r.stderr}`);
    const t = JSON.parse(r.stdout.trim().split('\n').pop()!) as { forward: number; forward_backward: number; torch: string };
    const fwd = Math.min(...first.forward, ...second.forward),
      fb = Math.min(first.forwardBackward.seconds, second.forwardBackward.seconds);
    console.log(`PyTorch ${t.torch} (${THREADS} threads, float32): forward ${t.forward.toFixed(2)} s, forward+backward ${t.forward_backward.toFixed(2)} s`);
    console.log(`ratio Layer Lens / PyTorch: forward ${(fwd / t.forward).toFixed(2)}×, forward+backward ${(fb / t.forward_backward).toFixed(2)}×`);
  } else {
    console.log('PyTorch: not installed here (python3 -c "import torch" fails), so there is no PyTorch comparison in this run.');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
