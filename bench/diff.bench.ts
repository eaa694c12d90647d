// Checkpoint diff, CPU:
//   1. stories260K against a "fine-tuned" copy (a rank-4 update in layer 3 q and N(0, (1e-3·σ)²)
//      noise on every other matrix): the full diff (norms, cosine, DOCS, Δ spectrum and ranks, both
//      sides' spectral metrics, embedding rows): time.
//   2. A larger synthetic Llama pair, A in F32 and B its BF16 copy with a rank-8 update in every
//      layer's v (4 layers, hidden 1024, ff 2816, 16 heads, 8 kv heads, vocab 32000; 113 M
//      parameters): time of the full diff and the RSS it adds while it runs (tensor pairs are
//      streamed one at a time), and the per-matrix metrics of layers 0–1 computed by numpy/LAPACK
//      from the same files in the same run against ours.
//   node --import tsx bench/diff.bench.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getEngine } from '../src/analysis/engine/engine';
import { runDiff, type DiffResult } from '../src/analysis/methods/diff/diff';
import { openModel } from '../src/analysis/model/openModel';
import { readTensorF32 } from '../src/analysis/model/readRole';
import { normalSource } from '../src/analysis/stats/random';
import { writeFixtureModel } from '../test/fixtures/makeModel';
import { copyModel, lowRank } from '../test/unit/analysis/methods/diff/helpers';

const STORIES = resolve(__dirname, '..', 'test', 'fixtures', 'models', 'stories260K');

function summary(r: DiffResult): string {
  const top = [...r.entries].sort((a, b) => b.relChange - a.relChange)[0]!;
  return `${r.entries.length} matrices, ${r.changedMatrices} changed; largest L${top.layer} ${top.kind}: ‖Δ‖/‖A‖ ${top.relChange.toExponential(3)}, erank Δ ${top.delta.effectiveRank.toFixed(3)}, srank Δ ${top.delta.stableRank.toFixed(3)}`;
}

async function stories(dir: string): Promise<void> {
  const base = await openModel(STORIES);
  const noise = normalSource(7);
  const q3 = lowRank(64, 64, [0.5, 0.5, 0.5, 0.5], 3);
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, t] of base.tensors) tensors.set(name, { shape: t.shape, values: await readTensorF32(base, name) });
  const fixture = { dir: STORIES, config: base.config ?? {}, tensors } as unknown as Parameters<typeof copyModel>[0];
  const tuned = await copyModel(fixture, join(dir, 'stories-tuned'), {
    edit: (name, v, shape) => {
      if (name === 'model.layers.3.self_attn.q_proj.weight') return v.map((x, i) => x + q3[i]);
      if (shape.length === 2 && name.includes('layers.')) {
        let s = 0;
        for (const x of v) s += x * x;
        const sd = 1e-3 * Math.sqrt(s / v.length);
        return v.map((x) => x + sd * noise());
      }
      return undefined;
    },
  });
  const engine = await getEngine({ providers: ['cpu'] });
  const b = await openModel(tuned);
  const t0 = performance.now();
  const r = await runDiff(base, b, {}, { engine });
  console.log(
    `1. stories260K vs a perturbed copy (5 layers × 7 matrices, embeddings, norms): ${((performance.now() - t0) / 1000).toFixed(2)} s — ${summary(r)}`,
  );
}

const NUMPY = String.raw`
import sys, json, time
import numpy as np

def read(path):
    b = open(path, 'rb').read()
    n = int.from_bytes(b[:8], 'little')
    h = json.loads(b[8:8 + n]); h.pop('__metadata__', None)
    out = {}
    for name, e in h.items():
        s, t = e['data_offsets']
        raw = b[8 + n + s: 8 + n + t]
        if e['dtype'] == 'F32': x = np.frombuffer(raw, np.float32)
        else: x = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        out[name] = x.reshape(e['shape'])
    return out

a, b = read(sys.argv[1]), read(sys.argv[2])
names = [n for n in a if '_proj' in n and any('layers.%d.' % l in n for l in (0, 1))]
t0 = time.perf_counter()
rel = {}
for n in names:
    x, y = a[n].astype(np.float64), b[n].astype(np.float64)
    d = (b[n] - a[n]).astype(np.float32)
    s = np.linalg.svd(d, compute_uv=False)
    sa = np.linalg.svd(a[n], compute_uv=False); sb = np.linalg.svd(b[n], compute_uv=False)
    rel[n] = float(np.linalg.norm(y - x) / np.linalg.norm(x))
    cos = float((x * y).sum() / (np.linalg.norm(x) * np.linalg.norm(y)))
print(json.dumps({"seconds": time.perf_counter() - t0, "rel": rel}))
`;

async function synthetic(dir: string): Promise<void> {
  const layers = 4,
    hidden = 1024;
  const t0 = performance.now();
  const fixture = await writeFixtureModel(join(dir, 'big-a'), {
    arch: 'llama',
    layers,
    hidden,
    heads: 16,
    kvHeads: 8,
    intermediate: 2816,
    vocab: 32000,
    seed: 1,
  });
  const upd = lowRank(512, hidden, [0.05, 0.05, 0.04, 0.04, 0.03, 0.03, 0.02, 0.02], 9);
  await copyModel(fixture, join(dir, 'big-b'), {
    dtype: 'BF16',
    edit: (name, v) => (/layers\.\d+\.self_attn\.v_proj/.test(name) ? v.map((x, i) => x + upd[i]) : undefined),
  });
  const a = await openModel(join(dir, 'big-a'));
  const b = await openModel(join(dir, 'big-b'));
  const params = [...a.tensors.values()].reduce((s, t) => s + t.shape.reduce((x, y) => x * y, 1), 0);
  console.log(
    `\n2. synthetic Llama pair, ${(params / 1e6).toFixed(0)} M parameters, A F32 vs B BF16 + rank-8 update in every v (files written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const engine = await getEngine({ providers: ['cpu'] });
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 20);
  let t = performance.now();
  const full = await runDiff(a, b, {}, { engine });
  const fullS = (performance.now() - t) / 1000;
  clearInterval(sampler);
  const mb = (x: number) => (x / 2 ** 20).toFixed(0);
  console.log(`   full diff (DOCS, Δ spectrum, both sides' spectra, embeddings): ${fullS.toFixed(1)} s — ${summary(full)}`);
  console.log(
    `   RSS during the diff: at most ${mb(rssMax - rss0)} MiB above the ${mb(rss0)} MiB before it; one F32 side is ${mb(params * 4)} MiB, the largest matrix ${mb(2816 * hidden * 4)} MiB`,
  );
  t = performance.now();
  const lean = await runDiff(a, b, { layers: [0, 1], docs: false, embeddings: false }, { engine });
  const leanS = (performance.now() - t) / 1000;
  const py = spawnSync('python3', ['-c', NUMPY, join(dir, 'big-a', 'model.safetensors'), join(dir, 'big-b', 'model.safetensors')], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (py.status !== 0) {
    console.log(`   numpy reference failed: ${py.stderr.slice(-400)}`);
    return;
  }
  const np = JSON.parse(py.stdout) as { seconds: number; rel: Record<string, number> };
  let worst = 0;
  for (const e of lean.entries) {
    const name = `model.layers.${e.layer}.${e.kind === 'q' || e.kind === 'k' || e.kind === 'v' || e.kind === 'o' ? 'self_attn' : 'mlp'}.${e.kind}_proj.weight`;
    worst = Math.max(worst, Math.abs(e.relChange - np.rel[name]!) / np.rel[name]!);
  }
  console.log(
    `   layers 0–1, matrix metrics only (norms, cosine, σ of Δ, A and B; no DOCS, no embeddings): ours ${leanS.toFixed(1)} s, numpy/LAPACK ${np.seconds.toFixed(1)} s → ratio ${(leanS / np.seconds).toFixed(2)}×; ‖Δ‖/‖A‖ agrees to ${worst.toExponential(1)} relative`,
  );
}

async function main(): Promise<void> {
  console.log(`Checkpoint diff, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadavg()[0]!.toFixed(1)} at start`);
  const dir = mkdtempSync(join(tmpdir(), 'layer-lens-diff-bench-'));
  try {
    await stories(dir);
    await synthetic(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
