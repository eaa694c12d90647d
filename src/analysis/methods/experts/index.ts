/**
 * Expert × expert similarity (docs/experts.md): DOCS and the baseline indices of every pair of the
 * experts (and the shared expert) of one mixture-of-experts layer, for one expert matrix kind.
 */
import type { Analysis } from '../analysis';
import { expertsCli } from './cli';
import { EXPERTS_TIDY_COLUMNS, expertsCsv, expertsTidyRows } from './csv';
import { expertSimilarity, type ExpertsResult } from './experts';
import { parseExpertsOptions, type ExpertsOptions } from './options';

export const experts = {
  id: 'experts',
  summary: 'Expert similarity: DOCS and baseline indices of every pair of experts of one mixture-of-experts layer',
  parseOptions: parseExpertsOptions,
  run: (model, options, ctx) => expertSimilarity(model, options, ctx),
  toCsv: expertsCsv,
  tidy: { columns: EXPERTS_TIDY_COLUMNS, rows: expertsTidyRows },
  cli: expertsCli,
} as const satisfies Analysis<'experts', ExpertsOptions, ExpertsResult, never>;
