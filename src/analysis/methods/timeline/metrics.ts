/**
 * The values of one checkpoint of a run. Those of the checkpoint alone come from the single-model
 * analyses themselves, so a timeline value equals what that analysis reports for that checkpoint:
 * alpha, log_spectral_norm, stable_rank and ks_mean_p from the weight-spectra run (spectra.ts:
 * WeightWatcher's α fit, log10 of the largest eigenvalue of WᵀW, Σλ/λmax, and the mean KS p of
 * the singular vectors — over the heads for q, k, v, o, as the spectra analysis reports it);
 * docs_adjacent from the layer-similarity run over adjacent pairs; m1_mean and m5_mean as the mean
 * over query heads of the weight-correlations run's M1 and M5. Drift compares the checkpoint's
 * matrices with the previous and the first checkpoint's, entry by entry in float64.
 */
import type { Engine } from '../../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { CachedRun } from '../../cache/resultCache';
import type { Matrix } from '../../linalg/matrix';
import { readMatrixKind } from '../../model/readRole';
import type { ExpertSelector, MatrixRole, ModelHandle } from '../../model/types';
import { matrixLabel, planMatrices, runSpectra, type ExpertChoice, type MatrixSpectra } from '../spectra/spectra';
import { runSimilarityJob } from '../similarity/job';
import { runCorrelations } from '../correlations/correlations';
import { CORRELATION_METRICS, DRIFT_METRICS, SPECTRAL_METRICS, type ExpertChoiceOfTimeline, type TimelineMetric, type TimelineValue } from './names';

export interface MetricSelection {
  layers: number[];
  kinds: MatrixRole[];
  metrics: TimelineMetric[];
  expert?: ExpertChoiceOfTimeline;
}

export interface MetricsContext extends JobContext, CachedRun {
  engine: Engine;
}

export interface CheckpointValues {
  values: TimelineValue[];
  notes: string[];
}

const finiteOrNull = (v: number | null | undefined): number | null => (v !== null && v !== undefined && Number.isFinite(v) ? v : null);

function expertChoice(expert: ExpertChoiceOfTimeline | undefined): ExpertChoice {
  return expert === undefined ? 'none' : expert === 'shared' || expert === 'all' ? expert : [expert];
}

interface Planned {
  layer: number;
  kind: MatrixRole;
  expert?: ExpertSelector;
}

/**
 * The (layer, kind) matrices of the selection that `model` has, as the spectra analysis plans them
 * (with 'all', every routed expert's; the shared expert is followed on its own, with 'shared').
 */
export function plannedMatrices(model: ModelHandle, sel: MetricSelection): Planned[] {
  const layers = sel.layers.filter((l) => model.layers.some((i) => i.index === l));
  const todo = planMatrices(model, layers, sel.kinds, expertChoice(sel.expert)).todo as Planned[];
  return sel.expert === 'all' ? todo.filter((m) => m.expert !== 'shared') : todo;
}

interface Group {
  layer: number;
  kind: MatrixRole;
  expert?: ExpertChoiceOfTimeline;
  members: Planned[];
}

/** The matrices of one timeline value: a layer's kind, or (with 'all') every routed expert's. */
function groupPlanned(planned: Planned[], choice: ExpertChoiceOfTimeline | undefined): Group[] {
  const groups = new Map<string, Group>();
  for (const m of planned) {
    const expert: ExpertChoiceOfTimeline | undefined = m.expert !== undefined && choice === 'all' ? 'all' : m.expert;
    const key = `${m.layer}#${m.kind}#${expert ?? ''}`;
    if (!groups.has(key)) groups.set(key, { layer: m.layer, kind: m.kind, ...(expert === undefined ? {} : { expert }), members: [] });
    groups.get(key)!.members.push(m);
  }
  return [...groups.values()];
}

const meanOf = (xs: (number | null)[]): number | null => {
  const finite = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
};

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function spectralValues(model: ModelHandle, sel: MetricSelection, ctx: MetricsContext, out: CheckpointValues): Promise<void> {
  const wanted = SPECTRAL_METRICS.filter((m) => sel.metrics.includes(m));
  if (wanted.length === 0) return;
  const planned = plannedMatrices(model, sel);
  if (planned.length === 0) return;
  const vectors = wanted.includes('ks_mean_p');
  const layers = sel.layers.filter((l) => model.layers.some((i) => i.index === l));
  const result = await runSpectra(
    model,
    // Singular vectors (and the heads' spectra) only when their KS p is asked for: the spectra panel's
    // default settings then, so every value is the panel's to the bit. Without them the singular
    // values come from the values-only decomposition, ≈ 4× faster, and α, λmax and the stable rank
    // agree with the panel's to float64 rounding (≈ 1e-15 relative); nothing depends on
    // rand_distance or kept values.
    { layers, kinds: sel.kinds, experts: expertChoice(sel.expert), heads: vectors, matrixVectors: vectors, randDistance: false, keepValues: false },
    { engine: ctx.engine, signal: ctx.signal, cacheDir: ctx.cacheDir, force: ctx.force },
  );
  const valuesOf = (e: MatrixSpectra): Record<(typeof SPECTRAL_METRICS)[number], number | null> => ({
    alpha: e.spectrum.metrics.alpha.alpha,
    log_spectral_norm: e.spectrum.metrics.logSpectralNorm,
    stable_rank: e.spectrum.metrics.stableRank,
    ks_mean_p: e.meanP,
  });
  for (const g of groupPlanned(planned, sel.expert)) {
    const found = g.members.map((m) => result.entries.find((e) => e.layer === m.layer && e.kind === m.kind && e.expert === m.expert));
    const flagged = g.members.map((m) => result.nonFinite.find((f) => f.layer === m.layer && f.kind === m.kind && f.expert === m.expert)).filter((f) => !!f);
    for (const f of flagged) out.notes.push(`layer ${f.layer} ${matrixLabel(f.kind, f.expert)}: ${f.summary}, no spectrum`);
    const at = g.expert === undefined ? {} : { expert: g.expert };
    for (const metric of wanted) {
      // One matrix: its value; 'all' experts: the mean over the experts' finite values.
      const xs = found.filter((e) => !!e).map((e) => finiteOrNull(valuesOf(e)[metric]));
      if (found.some((e) => !!e) || flagged.length) out.values.push({ layer: g.layer, kind: g.kind, ...at, metric, value: meanOf(xs) });
    }
  }
  out.notes.push(...(result.notes ?? []));
}

async function similarityValues(model: ModelHandle, sel: MetricSelection, ctx: MetricsContext, out: CheckpointValues): Promise<void> {
  if (!sel.metrics.includes('docs_adjacent')) return;
  for (const kind of sel.kinds) {
    throwIfCancelled(ctx.signal);
    const planned = plannedMatrices(model, { ...sel, kinds: [kind] });
    // Dense layers compare their own matrix; mixture-of-experts layers the chosen expert's, as the
    // layer-similarity analysis does (it compares one expert across layers, never all together).
    const runs: { layers: number[]; expert?: ExpertSelector }[] = [{ layers: [...new Set(planned.filter((m) => m.expert === undefined).map((m) => m.layer))] }];
    const experts = planned.filter((m) => m.expert !== undefined);
    if (experts.length && sel.expert === 'all') out.notes.push(`docs_adjacent of ${kind}: not defined for all experts together; choose one expert`);
    else if (experts.length) runs.push({ layers: [...new Set(experts.map((m) => m.layer))], expert: experts[0].expert });
    for (const run of runs) {
      if (run.layers.length < 2) continue;
      try {
        const r = await runSimilarityJob(
          ctx.engine,
          model,
          { kind, pairs: 'adjacent', indices: ['docs'], layers: run.layers, ...(run.expert === undefined ? {} : { expert: run.expert }) },
          { signal: ctx.signal, cacheDir: ctx.cacheDir, force: ctx.force },
        );
        const at = run.expert === undefined ? {} : { expert: run.expert };
        for (const p of r.pairs) out.values.push({ layer: p.layerA, kind, ...at, metric: 'docs_adjacent', value: finiteOrNull(p.values.docs) });
      } catch (err) {
        if ((err as Error)?.name === 'CancelledError' || ctx.signal?.aborted) throw err;
        out.notes.push(`docs_adjacent of ${kind}: ${errorText(err)}`);
      }
    }
  }
}

async function correlationValues(model: ModelHandle, sel: MetricSelection, ctx: MetricsContext, out: CheckpointValues): Promise<void> {
  const wanted = CORRELATION_METRICS.filter((m) => sel.metrics.includes(m));
  if (wanted.length === 0) return;
  const layers = sel.layers.filter((l) => model.layers.some((i) => i.index === l));
  if (layers.length === 0) return;
  // M1 and M5 are attention measures: no expert changes them, so the run is the analysis's default.
  const r = await runCorrelations(model, { layers }, { engine: ctx.engine, signal: ctx.signal, cacheDir: ctx.cacheDir, force: ctx.force });
  for (const e of r.entries) {
    if (e.heads.length === 0) {
      out.notes.push(`layer ${e.layer}: no m1_mean/m5_mean (${e.notes.join('; ') || 'no attention heads'})`);
      continue;
    }
    if (wanted.includes('m1_mean')) out.values.push({ layer: e.layer, kind: null, metric: 'm1_mean', value: meanOf(e.heads.map((h) => h.M1)) });
    if (wanted.includes('m5_mean')) out.values.push({ layer: e.layer, kind: null, metric: 'm5_mean', value: meanOf(e.heads.map((h) => h.M5)) });
  }
}

/** The values of one checkpoint that depend on it alone. */
export async function checkpointValues(model: ModelHandle, sel: MetricSelection, ctx: MetricsContext): Promise<CheckpointValues> {
  const out: CheckpointValues = { values: [], notes: [] };
  await spectralValues(model, sel, ctx, out);
  await similarityValues(model, sel, ctx, out);
  await correlationValues(model, sel, ctx, out);
  return out;
}

/** The sums drift is made of, in float64: Σ(a − b)², Σa², Σb², Σab. */
export interface DriftSums {
  diff: number;
  aa: number;
  bb: number;
  ab: number;
}

export function driftSums(a: Float32Array, b: Float32Array, into: DriftSums = { diff: 0, aa: 0, bb: 0, ab: 0 }): DriftSums {
  if (a.length !== b.length) throw new Error(`cannot compare matrices of ${a.length} and ${b.length} entries`);
  let { diff, aa, bb, ab } = into;
  for (let i = 0; i < a.length; i++) {
    const x = a[i],
      y = b[i];
    const d = x - y;
    diff += d * d;
    aa += x * x;
    bb += y * y;
    ab += x * y;
  }
  return Object.assign(into, { diff, aa, bb, ab });
}

/** ‖a − b‖_F / ‖b‖_F and cos(a, b) = ⟨a, b⟩ / (‖a‖‖b‖) from their sums; NaN where undefined (a zero or non-finite matrix). */
export function driftOf(s: DriftSums): { relative: number; cosine: number } {
  return { relative: Math.sqrt(s.diff) / Math.sqrt(s.bb), cosine: s.ab / Math.sqrt(s.aa * s.bb) };
}

export function frobeniusDrift(a: Float32Array, b: Float32Array): { relative: number; cosine: number } {
  return driftOf(driftSums(a, b));
}

const sameShape = (a: Matrix, b: Matrix) => a.rows === b.rows && a.cols === b.cols;

/**
 * drift_prev against `prev` (absent for the first checkpoint), drift_first and cos_first against
 * `first`, for every matrix of the selection (with 'all' experts: over the routed experts' matrices
 * stacked, ‖ΔW‖ and ‖W‖ summed over them); each matrix is read anew from the three checkpoints, one
 * at a time, and only the sums are kept.
 */
export async function driftValues(
  model: ModelHandle,
  prev: ModelHandle | undefined,
  first: ModelHandle,
  sel: MetricSelection,
  ctx: JobContext,
): Promise<CheckpointValues> {
  const out: CheckpointValues = { values: [], notes: [] };
  const wanted = DRIFT_METRICS.filter((m) => sel.metrics.includes(m) && (m !== 'drift_prev' || prev));
  if (wanted.length === 0) return out;
  const read = async (m: ModelHandle, { layer, kind, expert }: Planned): Promise<Matrix | string> => {
    try {
      return await readMatrixKind(m, layer, kind, expert, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      return errorText(err);
    }
  };
  for (const g of groupPlanned(plannedMatrices(model, sel), sel.expert)) {
    const at = g.expert === undefined ? {} : { expert: g.expert };
    // undefined: not computable (a note says why).
    let toPrev: DriftSums | undefined = { diff: 0, aa: 0, bb: 0, ab: 0 };
    let toFirst: DriftSums | undefined = { diff: 0, aa: 0, bb: 0, ab: 0 };
    for (const m of g.members) {
      throwIfCancelled(ctx.signal);
      const label = `layer ${m.layer} ${matrixLabel(m.kind, m.expert)}`;
      const w = await read(model, m);
      if (typeof w === 'string') {
        out.notes.push(`${label}: ${w}`);
        toPrev = toFirst = undefined;
        break;
      }
      const add = async (ref: ModelHandle, what: string, sums: DriftSums | undefined): Promise<DriftSums | undefined> => {
        if (!sums) return undefined;
        if (ref === model) return driftSums(w.data, w.data, sums);
        const r = await read(ref, m);
        if (typeof r === 'string') {
          out.notes.push(`${label}: not in the ${what} checkpoint (${r})`);
          return undefined;
        }
        if (!sameShape(w, r)) {
          out.notes.push(`${label}: ${w.rows}×${w.cols} here but ${r.rows}×${r.cols} in the ${what} checkpoint`);
          return undefined;
        }
        return driftSums(w.data, r.data, sums);
      };
      if (wanted.includes('drift_prev')) toPrev = await add(prev!, 'previous', toPrev);
      if (wanted.includes('drift_first') || wanted.includes('cos_first')) toFirst = await add(first, 'first', toFirst);
      await yieldToEventLoop();
    }
    const p = toPrev && driftOf(toPrev);
    const f = toFirst && driftOf(toFirst);
    if (wanted.includes('drift_prev')) out.values.push({ layer: g.layer, kind: g.kind, ...at, metric: 'drift_prev', value: finiteOrNull(p?.relative) });
    if (wanted.includes('drift_first')) out.values.push({ layer: g.layer, kind: g.kind, ...at, metric: 'drift_first', value: finiteOrNull(f?.relative) });
    if (wanted.includes('cos_first')) out.values.push({ layer: g.layer, kind: g.kind, ...at, metric: 'cos_first', value: finiteOrNull(f?.cosine) });
  }
  return out;
}
