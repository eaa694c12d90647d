/**
 * The settings the extension hands to the worker when it starts it (as one JSON environment
 * variable, so that a restart picks up changed settings). Parsed defensively: the worker must
 * start even if the variable is missing or garbled, and say so.
 */
export interface WorkerConfig {
  /** Execution providers to try, in order (`layerLens.executionProviders`). */
  executionProviders?: string[];
  /** Working memory for kernel blocks in MiB (`layerLens.memoryBudgetMB`). */
  memoryBudgetMB?: number;
  /** How many models the worker keeps open at once. */
  modelCacheSize?: number;
}

export const WORKER_CONFIG_ENV = 'LAYER_LENS_WORKER_CONFIG';

export function parseWorkerConfig(text: string | undefined): { config: WorkerConfig; warnings: string[] } {
  const warnings: string[] = [];
  const config: WorkerConfig = {};
  if (!text) return { config, warnings };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { config, warnings: [`${WORKER_CONFIG_ENV} is not valid JSON; using defaults`] };
  }
  if (typeof raw !== 'object' || raw === null) return { config, warnings: [`${WORKER_CONFIG_ENV} is not an object; using defaults`] };
  const r = raw as Record<string, unknown>;
  if (r.executionProviders !== undefined) {
    if (Array.isArray(r.executionProviders) && r.executionProviders.every((p) => typeof p === 'string')) {
      config.executionProviders = r.executionProviders as string[];
    } else warnings.push('executionProviders must be a list of strings; using the default order');
  }
  if (r.memoryBudgetMB !== undefined) {
    if (typeof r.memoryBudgetMB === 'number' && r.memoryBudgetMB > 0) config.memoryBudgetMB = r.memoryBudgetMB;
    else warnings.push('memoryBudgetMB must be a positive number; using the default');
  }
  if (r.modelCacheSize !== undefined) {
    if (typeof r.modelCacheSize === 'number' && Number.isInteger(r.modelCacheSize) && r.modelCacheSize >= 1) config.modelCacheSize = r.modelCacheSize;
    else warnings.push('modelCacheSize must be a positive integer; using the default');
  }
  return { config, warnings };
}
