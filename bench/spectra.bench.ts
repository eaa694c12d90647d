// Weight spectra (spec §3) on synthetic Llama-3.2-1B shapes (hidden 2048, ff 8192, 32 heads,
// 8 kv heads, head dim 64), CPU:
//   1. full spectra of all 7 matrix kinds of one layer — every singular value and right singular
//      vector, MP fit, KS p of every vector, power-law α, rand_distance, and every attention head of
//      q, k, v, o — against numpy/LAPACK + scipy doing the same work on the same matrices in the same run;
//   2. per-head spectra (singular values + vectors, KS p per vector, MP, metrics) of a whole 16-layer
//      model's q, k, v, o: time.
//   node --import tsx bench/spectra.bench.ts [--layers 16]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Matrix } from '../src/analysis/linalg/matrix';
import { analyzeSpectrum, type Spectrum } from '../src/analysis/methods/spectra/spectrum';
import { headSlice } from '../src/analysis/model/readRole';
import type { MatrixRole, ModelHandle } from '../src/analysis/model/types';
import { normalSource } from '../src/analysis/stats/random';

const HIDDEN = 2048,
  FF = 8192,
  HEADS = 32,
  KV_HEADS = 8,
  HEAD_DIM = 64;
const SHAPES: Record<MatrixRole, [number, number]> = {
  q: [HEADS * HEAD_DIM, HIDDEN],
  k: [KV_HEADS * HEAD_DIM, HIDDEN],
  v: [KV_HEADS * HEAD_DIM, HIDDEN],
  o: [HIDDEN, HEADS * HEAD_DIM],
  gate: [FF, HIDDEN],
  up: [FF, HIDDEN],
  down: [HIDDEN, FF],
};
const KINDS = Object.keys(SHAPES) as MatrixRole[];
const HEAD_COUNT: Partial<Record<MatrixRole, number>> = { q: HEADS, k: KV_HEADS, v: KV_HEADS, o: HEADS };
/** headSlice only reads the attention geometry of the model. */
const GEOMETRY = { attention: { numHeads: HEADS, numKvHeads: KV_HEADS, headDim: HEAD_DIM } } as unknown as ModelHandle;

function gaussian(rows: number, cols: number, seed: number): Matrix {
  const g = normalSource(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = 0.02 * g();
  return { rows, cols, data };
}

const NUMPY = String.raw`
import sys, json, time
import numpy as np
from scipy import stats

def ks_p(vectors):
    """KS p of each column against N(0, 1/n), vectorised: sort, normal CDF, D, kstwo.sf."""
    n = vectors.shape[0]
    x = np.sort(vectors, axis=0)
    f = stats.norm.cdf(x * np.sqrt(n))
    i = np.arange(1, n + 1)[:, None]
    d = np.maximum((i / n - f).max(axis=0), (f - (i - 1) / n).max(axis=0))
    return stats.kstwo.sf(d, n)

def mp_ks(s, rows, cols, sigma):
    m, n = min(rows, cols), max(rows, cols)
    st = sigma * np.sqrt(n); lo, hi = st * (1 - np.sqrt(m / n)), st * (1 + np.sqrt(m / n))
    grid = np.linspace(lo, hi, 20001)
    dens = (n / m) / (np.pi * st**2 * np.maximum(grid, 1e-300)) * np.sqrt(np.maximum((hi**2 - grid**2) * (grid**2 - lo**2), 0))
    cdf = np.concatenate([[0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(grid))])
    f = np.interp(np.sort(s), grid, cdf)
    k = len(s); i = np.arange(1, k + 1)
    return max((i / k - f).max(), (f - (i - 1) / k).max())

def power_law(lam, min_tail=10):
    x = np.sort(lam[lam > 0]); n = len(x)
    logs = np.log(x); suffix = np.cumsum(logs[::-1])[::-1]
    best = (np.inf, np.nan)
    for i in range(0, n - min_tail + 1):
        if i and x[i] == x[i - 1]: continue
        k = n - i; s = suffix[i] - k * logs[i]
        if s <= 0: continue
        a = 1 + k / s
        f = 1 - (x[i:] / x[i]) ** (1 - a)
        j = np.arange(1, k + 1)
        d = max((j / k - f).max(), (f - (j - 1) / k).max())
        if d < best[0]: best = (d, a)
    return best[1]

def spectrum(w, rng):
    u, s, vt = np.linalg.svd(w, full_matrices=False)
    p = ks_p(vt.T)
    lam = s**2
    sigma = w.std()
    ks = mp_ks(s, *w.shape, sigma)
    alpha = power_law(lam)
    shuffled = rng.permutation(w.ravel()).reshape(w.shape)
    lr = np.linalg.svd(shuffled, compute_uv=False) ** 2
    a, b = np.sort(lam)[::-1] / lam.sum(), np.sort(lr)[::-1] / lr.sum()
    m = (a + b) / 2
    js = np.sqrt(max(0.0, 0.5 * (np.sum(a * np.log(a / m)) + np.sum(b * np.log(b / m)))))
    return float(p.mean()), float(alpha), float(ks), float(js)

folder = sys.argv[1]
spec = json.loads(sys.argv[2])
rng = np.random.default_rng(0)
np.linalg.svd(np.ones((64, 64)))  # load LAPACK before timing
out = {}
for kind, (rows, cols, heads, head_dim) in spec.items():
    w = np.fromfile(f"{folder}/{kind}.bin", dtype=np.float32).reshape(rows, cols).astype(np.float64)
    t = time.perf_counter()
    meanp, alpha, ks, js = spectrum(w, rng)
    t_matrix = time.perf_counter() - t
    t = time.perf_counter()
    head_p = []
    for h in range(heads):
        sl = w[:, h * head_dim:(h + 1) * head_dim].T if kind == "o" else w[h * head_dim:(h + 1) * head_dim, :]
        head_p.append(spectrum(sl, rng)[0])
    out[kind] = {"matrixSeconds": t_matrix, "headSeconds": time.perf_counter() - t, "meanP": meanp, "alpha": alpha, "ksMp": ks, "randDistance": js, "headMeanP": float(np.mean(head_p)) if head_p else None}
print(json.dumps(out))
`;

interface KindTiming {
  matrixSeconds: number;
  headSeconds: number;
  spectrum: Spectrum;
  headMeanP: number | null;
}

async function oneLayer(dir: string): Promise<void> {
  console.log(
    `\n1. Full spectra of one Llama-3.2-1B-shaped layer (synthetic N(0, 0.02²)), ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadavg()[0]!.toFixed(1)} at start`,
  );
  // Warm up ORT sessions and the WASM module outside the timings.
  await analyzeSpectrum(gaussian(64, 512, 1));
  await analyzeSpectrum(gaussian(512, 600, 2));
  const ours: Partial<Record<MatrixRole, KindTiming>> = {};
  const np: Record<
    string,
    { matrixSeconds: number; headSeconds: number; meanP: number; alpha: number; ksMp: number; randDistance: number; headMeanP: number | null }
  > = {};
  let totalOurs = 0,
    totalNp = 0;
  // One row per kind as soon as both sides are measured: on a busy machine a cut-short run still reports.
  console.log('kind   shape        matrix s  numpy s  ratio | heads s  numpy s  ratio | mean p (ours/np)  α (ours/np)   KS-MP (ours/np)');
  for (const [i, kind] of KINDS.entries()) {
    const [rows, cols] = SHAPES[kind];
    const W = gaussian(rows, cols, 100 + i);
    writeFileSync(join(dir, `${kind}.bin`), W.data);
    let t = performance.now();
    const spectrum = await analyzeSpectrum(W, { keepValues: false });
    const matrixSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const p: number[] = [];
    for (let h = 0; h < (HEAD_COUNT[kind] ?? 0); h++)
      p.push((await analyzeSpectrum(headSlice(GEOMETRY, W, kind, h), { keepValues: false })).vectors?.meanP ?? NaN);
    ours[kind] = { matrixSeconds, headSeconds: (performance.now() - t) / 1000, spectrum, headMeanP: p.length ? p.reduce((a, b) => a + b, 0) / p.length : null };
    // numpy right after ours on the same matrix, so both see the same load on a shared machine.
    const spec = { [kind]: [rows, cols, HEAD_COUNT[kind] ?? 0, HEAD_DIM] };
    const py = spawnSync('python3', ['-c', NUMPY, dir, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (py.status === 0) Object.assign(np, JSON.parse(py.stdout.trim()));
    else console.log(`numpy/scipy reference for ${kind} failed: ${py.stderr?.slice(-400)}`);
    const o = ours[kind]!;
    const n = np?.[kind];
    totalOurs += o.matrixSeconds + o.headSeconds;
    if (n) totalNp += n.matrixSeconds + n.headSeconds;
    const ratio = (a: number, b?: number) => (b ? `${(a / b).toFixed(2)}×` : '–').padStart(6);
    const heads = HEAD_COUNT[kind]
      ? `${o.headSeconds.toFixed(2).padStart(7)}  ${(n?.headSeconds ?? NaN).toFixed(2).padStart(7)} ${ratio(o.headSeconds, n?.headSeconds)}`
      : '      –        –      –';
    console.log(
      `${kind.padEnd(5)} ${`${rows}×${cols}`.padEnd(11)} ${o.matrixSeconds.toFixed(2).padStart(8)} ${(n?.matrixSeconds ?? NaN).toFixed(2).padStart(8)} ${ratio(o.matrixSeconds, n?.matrixSeconds)} | ${heads} | ` +
        `${o.spectrum.vectors?.meanP.toFixed(3)}/${n?.meanP.toFixed(3)}      ${o.spectrum.metrics.alpha.alpha.toFixed(2)}/${n?.alpha.toFixed(2)}   ${o.spectrum.mp?.ks.toFixed(4)}/${n?.ksMp.toFixed(4)}  (load ${loadavg()[0]!.toFixed(1)})`,
    );
  }
  console.log(
    `whole layer: ours ${totalOurs.toFixed(2)} s, numpy/scipy ${totalNp ? totalNp.toFixed(2) : '–'} s${totalNp ? ` → ratio ${(totalOurs / totalNp).toFixed(2)}×` : ''}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}

async function wholeModelHeads(layers: number): Promise<void> {
  console.log(
    `2. Per-head spectra (right singular vectors, KS p per vector, MP, metrics; no rand_distance) of q, k, v, o in ${layers} layers: ${layers * (2 * HEADS + 2 * KV_HEADS)} heads`,
  );
  let compute = 0;
  let vectors = 0;
  for (let layer = 0; layer < layers; layer++) {
    for (const kind of ['q', 'k', 'v', 'o'] as MatrixRole[]) {
      const [rows, cols] = SHAPES[kind];
      const W = gaussian(rows, cols, 1000 * layer + kind.charCodeAt(0)); // generation is not timed
      const t = performance.now();
      for (let h = 0; h < HEAD_COUNT[kind]!; h++) {
        const s = await analyzeSpectrum(headSlice(GEOMETRY, W, kind, h), { randDistance: false, keepValues: false });
        vectors += s.vectors?.count ?? 0;
      }
      compute += (performance.now() - t) / 1000;
    }
    if ((layer + 1) % 4 === 0 && layer + 1 < layers) console.log(`   … ${layer + 1} layers: ${compute.toFixed(2)} s so far (load ${loadavg()[0]!.toFixed(1)})`);
  }
  console.log(
    `   ${compute.toFixed(2)} s for ${vectors} singular vectors (${((1000 * compute) / (layers * (2 * HEADS + 2 * KV_HEADS))).toFixed(1)} ms per head)`,
  );
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--layers');
  const layers = i > 0 ? Number(process.argv[i + 1]) : 16;
  const dir = mkdtempSync(join(tmpdir(), 'spectra-bench-'));
  try {
    // The per-head pass first: it is the shorter one, so a busy machine still reports it.
    await wholeModelHeads(layers);
    await oneLayer(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
