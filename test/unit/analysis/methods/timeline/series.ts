/**
 * The oracle's training run (test/oracles/timeline_drift.json) on disk: each checkpoint as a Hugging
 * Face Trainer checkpoint folder, `checkpoint-<step>/` with model.safetensors, config.json and
 * trainer_state.json, as transformers' Trainer saves it.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFixtureModel } from '../../../../fixtures/makeModel';
import type { MatrixRole } from '../../../../../src/analysis/model/types';

export interface OracleDrift {
  layer: number;
  kind: MatrixRole;
  drift_prev?: number;
  drift_first: number;
  cos_first: number;
}

export interface Oracle {
  dims: { hidden: number; heads: number; kvHeads: number; headDim: number; intermediate: number; layers: number };
  steps: number[];
  checkpoints: { step: number; matrices: Record<string, Record<MatrixRole, number[]>>; drift: OracleDrift[] }[];
}

export const ORACLE = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'oracles', 'timeline_drift.json'), 'utf8')) as Oracle;

/** Writes checkpoint `t` of the oracle's run as `<runDir>/<name ?? checkpoint-<step>>/`. */
export async function writeCheckpoint(runDir: string, t: number, opts: { name?: string; trainerState?: boolean; shards?: number } = {}): Promise<string> {
  const c = ORACLE.checkpoints[t];
  const d = ORACLE.dims;
  const dir = join(runDir, opts.name ?? `checkpoint-${c.step}`);
  await writeFixtureModel(dir, {
    arch: 'llama',
    layers: d.layers,
    hidden: d.hidden,
    heads: d.heads,
    kvHeads: d.kvHeads,
    intermediate: d.intermediate,
    seed: 7,
    shards: opts.shards,
    matrices: (layer, role) => Float32Array.from(c.matrices[String(layer)][role]),
  });
  if (opts.trainerState !== false)
    await writeFile(join(dir, 'trainer_state.json'), JSON.stringify({ global_step: c.step, epoch: c.step / 100, log_history: [], best_metric: null }, null, 2));
  return dir;
}
