/**
 * Parameter activation (docs/methods.md §4): gradient-based activation of every decoder layer's
 * parameters over a prompt set — dense and sparse layers, same- vs cross-domain pattern similarity,
 * suggested per-layer pruning ratios, forward MLP sparsity; streamed after each prompt.
 */
import type { Analysis } from '../analysis';
import type { ActivationResult } from './activation';
import { activationCli } from './cli';
import { ACTIVATION_TIDY_COLUMNS, activationCsv, activationTidyRows } from './csv';
import { runActivationJob, type ActivationJobParams, type ActivationJobResult } from './job';
import { parseActivationRunOptions } from './options';

export const activation = {
  id: 'activation',
  summary: 'Gradient-based parameter activation per layer over prompt sets (dense/sparse layers, domain similarity, prune ratios)',
  parseOptions: parseActivationRunOptions,
  run: runActivationJob,
  toCsv: activationCsv,
  tidy: { columns: ACTIVATION_TIDY_COLUMNS, rows: activationTidyRows },
  cli: activationCli,
} as const satisfies Analysis<'activation', ActivationJobParams, ActivationJobResult, ActivationResult>;
