/**
 * Weights over depth, the one-glance health view: per layer and matrix kind the Frobenius norm
 * ‖W‖_F, the entry standard deviation σ and the largest |w|, streamed from disk one matrix at a
 * time. A mixture-of-experts layer's routed experts are folded into their kind (gate, up, down):
 * ‖W‖_F and σ are the mean over the experts, max |w| the maximum over them, and `experts` says how
 * many went in; the shared expert is its own row (`up shared`). NaN/Inf entries are counted and left
 * out of the statistics; a matrix that cannot be read is a row with its reason, the rest still come.
 */
import { streamF32 } from '../io/tensorReader';
import { throwIfCancelled, yieldToEventLoop, CancelledError, type JobContext } from '../jobs';
import { readMatrix } from './readRole';
import type { ExpertSelector, MatrixKind, ModelHandle, RoleMatrixRef } from './types';

export interface MatrixMoments {
  /** Finite entries. */
  count: number;
  /** NaN or ±Inf entries (left out of every statistic). */
  nonFinite: number;
  mean: number;
  /** Σ (x − mean)² over the finite entries. */
  m2: number;
  sumSquares: number;
  maxAbs: number;
}

export interface DepthStatRow {
  layer: number;
  /** The matrix kind; a shared expert's `gate shared`, `up shared`, `down shared`. */
  kind: string;
  /** Routed experts folded into this row (mean of ‖W‖_F and σ, max of max |w|); 0 for one matrix. */
  experts: number;
  /** ‖W‖_F = √Σ w²; null when the matrix could not be read or holds no finite entry. */
  frobenius: number | null;
  /** Population standard deviation of the entries. */
  std: number | null;
  maxAbs: number | null;
  /** NaN/Inf entries (summed over folded experts). */
  nonFinite: number;
  /** Why the row has no values (the matrix could not be read). */
  error?: string;
}

export interface DepthStats {
  rows: DepthStatRow[];
  /** Matrices read. */
  matrices: number;
  seconds: number;
}

const EMPTY: MatrixMoments = { count: 0, nonFinite: 0, mean: 0, m2: 0, sumSquares: 0, maxAbs: 0 };

/** Moments of one chunk, merged into `acc` by Chan et al.'s pairwise update (exact to rounding). */
export function mergeChunk(acc: MatrixMoments, values: ArrayLike<number>): MatrixMoments {
  let n = 0,
    bad = 0,
    sum = 0,
    sq = 0,
    maxAbs = acc.maxAbs;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x - x !== 0) {
      bad++;
      continue;
    }
    n++;
    sum += x;
    sq += x * x;
    const a = x < 0 ? -x : x;
    if (a > maxAbs) maxAbs = a;
  }
  if (n === 0) return { ...acc, nonFinite: acc.nonFinite + bad };
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x - x === 0) m2 += (x - mean) * (x - mean);
  }
  const total = acc.count + n;
  const delta = mean - acc.mean;
  return {
    count: total,
    nonFinite: acc.nonFinite + bad,
    mean: acc.mean + (delta * n) / total,
    m2: acc.m2 + m2 + (delta * delta * acc.count * n) / total,
    sumSquares: acc.sumSquares + sq,
    maxAbs,
  };
}

/** A role source that is the whole stored tensor (any transpose: it changes no statistic), so it can be streamed. */
function isWholeTensor(ref: RoleMatrixRef<MatrixKind>): boolean {
  const s = ref.source;
  return (
    s.rows === undefined && s.rowIndex === undefined && s.expert === undefined && s.blockScale === undefined && s.mxfp4 === undefined && s.mlaKvB === undefined
  );
}

/** The moments of one matrix: streamed when it is a whole tensor, else read as the role reader builds it. */
export async function matrixMoments(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>, ctx: JobContext = {}): Promise<MatrixMoments> {
  const entry = model.tensors.get(ref.source.tensor);
  if (entry && isWholeTensor(ref)) {
    let acc = EMPTY;
    await streamF32(entry, { signal: ctx.signal }, async (values) => {
      acc = mergeChunk(acc, values);
      throwIfCancelled(ctx.signal);
      await yieldToEventLoop();
    });
    return acc;
  }
  const m = await readMatrix(model, ref, ctx);
  return mergeChunk(EMPTY, m.data);
}

interface Job {
  layer: number;
  kind: string;
  refs: RoleMatrixRef<MatrixKind>[];
  folded: boolean;
}

function jobsOf(model: ModelHandle): Job[] {
  const jobs: Job[] = [];
  for (const layer of model.layers) {
    const kinds = { ...layer.roles, ...(layer.extra ?? {}) } as Record<string, RoleMatrixRef<MatrixKind> | undefined>;
    for (const [kind, ref] of Object.entries(kinds)) if (ref) jobs.push({ layer: layer.index, kind, refs: [ref], folded: false });
    const moe = layer.moe;
    if (!moe) continue;
    const byKind = new Map<string, RoleMatrixRef<MatrixKind>[]>();
    for (const expert of moe.experts)
      for (const [kind, ref] of Object.entries(expert)) {
        if (!ref) continue;
        const list = byKind.get(kind) ?? [];
        list.push(ref as RoleMatrixRef<MatrixKind>);
        byKind.set(kind, list);
      }
    for (const [kind, refs] of byKind) jobs.push({ layer: layer.index, kind, refs, folded: true });
    for (const [kind, ref] of Object.entries(moe.shared ?? {}))
      if (ref) jobs.push({ layer: layer.index, kind: `${kind} shared`, refs: [ref as RoleMatrixRef<MatrixKind>], folded: false });
  }
  return jobs;
}

function whoOf(ref: RoleMatrixRef<MatrixKind>, expert?: ExpertSelector): string {
  const e = expert ?? ref.expert;
  return `layer ${ref.layer} ${ref.role}${e === undefined ? '' : e === 'shared' ? ' (shared expert)' : ` (expert ${e})`} ('${ref.source.tensor}')`;
}

export async function depthStats(model: ModelHandle, ctx: JobContext = {}): Promise<DepthStats> {
  const t0 = performance.now();
  const jobs = jobsOf(model);
  const total = jobs.reduce((a, j) => a + j.refs.length, 0);
  let done = 0;
  const rows: DepthStatRow[] = [];
  for (const job of jobs) {
    const stats: { frobenius: number; std: number; maxAbs: number }[] = [];
    let nonFinite = 0;
    const errors: string[] = [];
    for (const ref of job.refs) {
      throwIfCancelled(ctx.signal);
      ctx.onProgress?.({ done, total, message: `layer ${job.layer} ${job.kind}` });
      try {
        const m = await matrixMoments(model, ref, ctx);
        nonFinite += m.nonFinite;
        if (m.count > 0) stats.push({ frobenius: Math.sqrt(m.sumSquares), std: Math.sqrt(m.m2 / m.count), maxAbs: m.maxAbs });
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        errors.push(`${whoOf(ref)}: ${err instanceof Error ? err.message : String(err)}`);
      }
      done++;
    }
    const mean = (f: (s: (typeof stats)[number]) => number) => (stats.length ? stats.reduce((a, s) => a + f(s), 0) / stats.length : null);
    const row: DepthStatRow = {
      layer: job.layer,
      kind: job.kind,
      experts: job.folded ? job.refs.length : 0,
      frobenius: mean((s) => s.frobenius),
      std: mean((s) => s.std),
      maxAbs: stats.length ? Math.max(...stats.map((s) => s.maxAbs)) : null,
      nonFinite,
    };
    if (errors.length) row.error = errors.join('; ');
    rows.push(row);
  }
  ctx.onProgress?.({ done, total });
  return { rows, matrices: total, seconds: (performance.now() - t0) / 1000 };
}
