/** One forward pass of the executor on a model file, as the GGUF forward tests compare them. */
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import type { ModelHandle } from '../../../../../src/analysis/model/types';

export interface FileRun {
  model: ModelHandle;
  /** [T·V], every position. */
  logits: Float32Array;
  /** The executor's MoE settings (undefined for a dense model). */
  moe: unknown;
  /** Per layer, the chosen experts' routing weights (with `experts`), null for dense layers. */
  selection: (Float32Array | null)[];
}

export async function runFile(path: string, ids: number[], opts: { experts?: boolean } = {}): Promise<FileRun> {
  const model = await openModel(path);
  const ex = executorFor(model);
  try {
    const r = await ex.run([ids], { logits: 'all', ...(opts.experts ? { expertSelection: true } : {}) });
    return {
      model,
      logits: Float32Array.from(r.logits!),
      moe: ex.cfg.moe,
      selection: (r.expertSelection ?? []).map((s) => (s ? Float32Array.from(s) : null)),
    };
  } finally {
    await ex.release();
  }
}
