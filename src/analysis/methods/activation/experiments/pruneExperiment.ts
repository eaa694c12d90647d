/**
 * Activation-guided pruning experiments. (a) Layer-wise vs uniform: the seven matrices of every
 * decoder layer are pruned with Wanda (wandaPlan.ts) once at ratios derived from the layers'
 * activated fractions by OWL's allocation (stats.ts, pruningRatios) and once at the target ratio
 * in every layer (same mean), and the perplexity of held-out text is compared with the unpruned
 * model's. (b) Calibration domain: for each prompt domain D, the densities and Wanda's input norms
 * come from D's prompts only, and the pruned model is evaluated on every domain's held-out prompts,
 * a D × D matrix of perplexities. Pruning happens in memory (prunedWeights.ts); nothing is written.
 */
import type { JobContext } from '../../../jobs';
import { DecoderExecutor } from '../../../model/executor/decoder';
import { activationAnalysis, type Threshold, type TokenizedPrompt } from '../activation';
import { DEFAULT_OWL_LAMBDA, pruningRatios } from '../stats';
import { heldOutPerplexity } from './heldOutPerplexity';
import { prunedWeightSource } from './prunedWeights';
import { wandaPlan } from './wandaPlan';

export interface PruneExperimentOptions extends JobContext {
  /** Mean pruning ratio over layers (default 0.5). */
  targetPruneRatio?: number;
  /** OWL's λ: ratios spread over target ± 2λ (default 0.08). */
  lambda?: number;
  /** Threshold of the activation analysis that gives the densities (default: its own). */
  threshold?: Threshold;
  /** Also run the calibration-domain experiment (b). */
  domains?: boolean;
  /** Per-layer densities to allocate from instead of running the activation analysis on the calibration prompts (experiment a only). */
  density?: number[];
}

export interface PruneArm {
  /** Per-layer pruning ratios. */
  ratios: number[];
  /** Per layer: weights zeroed / weights of its seven matrices (ratios after Wanda's per-row rounding down). */
  layerSparsity: number[];
  totalSparsity: number;
  perplexity: number;
}

export interface DomainPruning {
  /** Calibration domains (rows) and evaluation domains (columns), the same list. */
  names: string[];
  /** [calibration domain][layer]: activated fraction from that domain's prompts. */
  density: number[][];
  /** [calibration domain][layer]: the derived pruning ratios. */
  ratios: number[][];
  /** [calibration domain][evaluation domain]: perplexity on the evaluation domain's held-out prompts. */
  perplexity: number[][];
  /** [evaluation domain]: perplexity of the unpruned model. */
  unpruned: number[];
}

export interface PruneExperimentResult {
  numLayers: number;
  targetPruneRatio: number;
  lambda: number;
  calibrationPrompts: number;
  heldOutSequences: number;
  heldOutTokens: number;
  /** Per-layer activated fraction over all calibration prompts (or as given). */
  density: number[];
  /** Perplexity of the unpruned model on the held-out text. */
  unpruned: number;
  uniform: PruneArm;
  derived: PruneArm;
  domains?: DomainPruning;
}

export interface PruneExperimentInput {
  calibration: TokenizedPrompt[];
  /** Held-out prompts, by domain (experiment b; experiment a too unless `heldOutText` is given). */
  heldOut: TokenizedPrompt[];
  /** Held-out text as token windows for experiment (a). */
  heldOutText?: number[][];
}

export async function pruneExperiment(ex: DecoderExecutor, input: PruneExperimentInput, opts: PruneExperimentOptions = {}): Promise<PruneExperimentResult> {
  const target = opts.targetPruneRatio ?? 0.5;
  const lambda = opts.lambda ?? DEFAULT_OWL_LAMBDA;
  const L = ex.cfg.numLayers;
  if (input.calibration.length === 0) throw new Error('the pruning experiment needs calibration prompts');
  const evalA = input.heldOutText ?? input.heldOut.map((p) => p.ids);
  if (evalA.length === 0) throw new Error('the pruning experiment needs held-out text or held-out prompts');
  if (opts.density && opts.density.length !== L) throw new Error(`${opts.density.length} densities for a model of ${L} layers`);
  const domainNames = opts.domains ? [...new Set(input.calibration.map((p) => p.domain))] : [];
  for (const d of domainNames) {
    if (!input.heldOut.some((p) => p.domain === d)) throw new Error(`domain "${d}" has no held-out prompts to evaluate on`);
  }
  // Stages for progress: (a) density, 2 × Wanda, 3 perplexities; (b) per domain density, Wanda, one perplexity per domain, plus the unpruned ones.
  const D = domainNames.length;
  const total = 6 + (D ? D * (2 + D) + D : 0);
  let done = 0;
  const step = async <T>(message: string, f: () => Promise<T>): Promise<T> => {
    opts.onProgress?.({ done, total, message });
    const out = await f();
    opts.onProgress?.({ done: ++done, total, message });
    return out;
  };
  const ctx: JobContext = { signal: opts.signal };
  const densityOf = async (prompts: TokenizedPrompt[]) =>
    (await activationAnalysis(ex, prompts, { threshold: opts.threshold, targetPruneRatio: target, maxPairs: 0, signal: opts.signal })).layerFraction;
  const calibIds = (prompts: TokenizedPrompt[]) => prompts.map((p) => p.ids);
  const perplexityWith = async (plan: Awaited<ReturnType<typeof wandaPlan>> | null, sequences: number[][]) => {
    if (!plan) return heldOutPerplexity(ex, sequences, ctx);
    const pruned = new DecoderExecutor(ex.cfg, prunedWeightSource(ex.weights, plan.matrices), ex.options);
    try {
      return await heldOutPerplexity(pruned, sequences, ctx);
    } finally {
      await pruned.release();
    }
  };

  const density = opts.density ?? (await step('activation densities', () => densityOf(input.calibration)));
  if (opts.density) done++;
  const derivedRatios = pruningRatios(density, target, lambda);
  const uniformRatios = density.map(() => target);
  const unpruned = await step('perplexity, unpruned', () => perplexityWith(null, evalA));
  const arm = async (name: string, ratios: number[]): Promise<PruneArm> => {
    const plan = await step(`Wanda at ${name} ratios`, () => wandaPlan(ex, calibIds(input.calibration), ratios, ctx));
    const perplexity = await step(`perplexity, ${name} ratios`, () => perplexityWith(plan, evalA));
    return { ratios, layerSparsity: plan.layerSparsity, totalSparsity: plan.totalSparsity, perplexity };
  };
  const uniform = await arm('uniform', uniformRatios);
  const derived = await arm('density-derived', derivedRatios);

  const result: PruneExperimentResult = {
    numLayers: L,
    targetPruneRatio: target,
    lambda,
    calibrationPrompts: input.calibration.length,
    heldOutSequences: evalA.length,
    heldOutTokens: evalA.reduce((s, ids) => s + Math.max(0, ids.length - 1), 0),
    density,
    unpruned,
    uniform,
    derived,
  };
  if (D) {
    const heldOutOf = (d: string) => input.heldOut.filter((p) => p.domain === d).map((p) => p.ids);
    const out: DomainPruning = { names: domainNames, density: [], ratios: [], perplexity: [], unpruned: [] };
    for (const e of domainNames) out.unpruned.push(await step(`perplexity on ${e}, unpruned`, () => perplexityWith(null, heldOutOf(e))));
    for (const d of domainNames) {
      const prompts = input.calibration.filter((p) => p.domain === d);
      const dens = await step(`activation densities of ${d}`, () => densityOf(prompts));
      const ratios = pruningRatios(dens, target, lambda);
      const plan = await step(`Wanda calibrated on ${d}`, () => wandaPlan(ex, calibIds(prompts), ratios, ctx));
      const row: number[] = [];
      for (const e of domainNames) row.push(await step(`perplexity on ${e}, calibrated on ${d}`, () => perplexityWith(plan, heldOutOf(e))));
      out.density.push(dens);
      out.ratios.push(ratios);
      out.perplexity.push(row);
    }
    result.domains = out;
  }
  return result;
}
