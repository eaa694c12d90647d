/**
 * What the engine reports about itself: which execution provider computes, with how many CPU
 * threads, and why the providers before it were not used. Every analysis result carries this so
 * that the UI can say what computed it (the issue asks that no provider falls back silently).
 */
export interface ProviderAttempt {
  provider: string;
  /** Why this provider could not start; absent for the provider that was chosen. */
  error?: string;
}

export interface EngineInfo {
  /** The execution provider every session of this engine runs on ('cuda', 'webgpu' or 'cpu'). */
  provider: string;
  /** ORT intra-op threads per session (CPU kernels, and the CPU part of GPU sessions). */
  threads: number;
  /** Every provider tried, in order, up to and including the chosen one. */
  tried: ProviderAttempt[];
  /** Working memory the kernels may use for their blocks (setting `layerLens.memoryBudgetMB`). */
  memoryBudgetMB: number;
  /** onnxruntime-node's version. */
  ortVersion: string;
}

/** A one-line description for status bars and result footers, e.g. "cpu · 2 threads". */
export function describeEngine(info: EngineInfo): string {
  const skipped = info.tried.filter((t) => t.error).map((t) => t.provider);
  const base = `${info.provider} · ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return skipped.length ? `${base} (unavailable: ${skipped.join(', ')})` : base;
}
