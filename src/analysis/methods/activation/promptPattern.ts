/**
 * One prompt's activation pattern (methods.md §4): y = the largest logit at the last position,
 * back-propagated through the layer-streaming executor; per layer, |A| = |θ·∂y/∂θ| of every tracked
 * matrix (trackedMatrices) on an evenly strided subset (subsetFor) chosen for the number of
 * patterns held at once. The activation analysis (activation.ts) and semantic similarity
 * (sts/sts.ts) both take their patterns from here, so the same prompt held with the same number of
 * others gives the same pattern in both. Two patterns compare with stats.ts's patternSimilarity.
 */
import { throwIfCancelled } from '../../jobs';
import type { DecoderExecutor, OutputRequest, RunResult } from '../../model/executor/decoder';
import type { FloatArray } from '../../model/executor/session';
import { absActivation, subsetFor, subsetLength, type ParamSubset } from './stats';
import { trackedMatrices, type TrackedMatrix } from './trackedMatrices';

export interface PatternLayout {
  /** [layer][matrix]. */
  matrices: TrackedMatrix[][];
  subsets: ParamSubset[][];
  /** Fraction of each matrix's parameters tracked (1 = exact). */
  trackedFraction: number;
}

/** Default budget of tracked parameters (patterns held × parameters per pattern). */
export const DEFAULT_MAX_TRACKED_PARAMS = 32_000_000;

/**
 * Which parameters to track when `held` patterns are kept at once: all of them unless held ×
 * parameters exceeds the budget, else every stride-th.
 */
export function patternLayout(ex: DecoderExecutor, held: number, budget = DEFAULT_MAX_TRACKED_PARAMS): PatternLayout {
  const matrices = Array.from({ length: ex.cfg.numLayers }, (_, l) => trackedMatrices(ex, l));
  const total = matrices.reduce((s, ms) => s + ms.reduce((a, m) => a + m.size, 0), 0);
  const stride = Math.max(1, Math.ceil((total * held) / budget));
  const subsets = matrices.map((ms) => ms.map((m) => subsetFor(m.size, stride, m.rowLength)));
  const tracked = subsets.reduce((s, ss) => s + ss.reduce((a, x) => a + subsetLength(x), 0), 0);
  return { matrices, subsets, trackedFraction: tracked / total };
}

export interface PromptPattern {
  /** [layer][matrix]: |A| on the layout's subsets. */
  pattern: Float32Array[][];
  /** The largest last-position logit (y) and its token. */
  maxLogit: number;
  target: number;
  /** The forward pass's other outputs, as asked for in `outputs` (MLP activations, expert selection). */
  run: RunResult;
}

export async function promptPattern(
  ex: DecoderExecutor,
  ids: number[],
  layout: PatternLayout,
  opts: { signal?: AbortSignal; outputs?: Omit<OutputRequest, 'logits'> } = {},
): Promise<PromptPattern> {
  throwIfCancelled(opts.signal);
  const pattern: Float32Array[][] = layout.matrices.map(() => []);
  const r = await ex.run(
    [ids],
    { ...opts.outputs, logits: 'none' },
    {
      objective: 'max-logit',
      // absActivation copies what it needs, so the executor may reuse each layer's arrays.
      reuseLayerBuffers: true,
      onLayer: ({ layer, weights, grads }) => {
        layout.matrices[layer].forEach((m, i) => {
          const slice = (x: FloatArray) => x.subarray(m.offset, m.offset + m.size);
          pattern[layer][i] = absActivation(slice(weights[m.key]), slice(grads[m.key]), layout.subsets[layer][i]);
        });
      },
    },
    { signal: opts.signal },
  );
  return { pattern, maxLogit: r.objectiveValue!, target: r.targets![0], run: r };
}
