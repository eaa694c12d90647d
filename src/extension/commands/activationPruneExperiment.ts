/**
 * The activation panel's "Run pruning experiment": the panel's prompts and threshold with the
 * section's mean ratio, λ and per-domain switch, run by 'activation/pruneExperiment' under a
 * cancellable notification; null when cancelled.
 */
import type { ActivationJobParams } from '../../analysis/methods/activation/job';
import type { PruneExperimentJobResult } from '../../analysis/methods/activation/experiments/job';
import { parsePruneExperimentOptions } from '../../analysis/methods/activation/experiments/options';
import type { LayerLensContext } from '../context';

export async function pruneExperimentRequest(
  host: { ctx: LayerLensContext; model: string },
  payload: unknown,
  panelParams: ActivationJobParams,
): Promise<PruneExperimentJobResult | null> {
  const p = (payload ?? {}) as Record<string, unknown>;
  const options = parsePruneExperimentOptions({
    prompts: panelParams.prompts,
    threshold: panelParams.threshold,
    maxTokens: panelParams.maxTokens,
    targetPruneRatio: p.targetPruneRatio,
    lambda: p.lambda,
    domains: p.domains,
  });
  const result = await host.ctx.worker.withProgress('Layer Lens: pruning experiment', 'activation/pruneExperiment', { path: host.model, ...options });
  return result ?? null;
}
