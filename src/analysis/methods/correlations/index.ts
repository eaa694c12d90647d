/**
 * Weight correlations (docs/methods.md §2): measures M1–M8 between attention and MLP matrices, per
 * query head and per layer, with M6's regression over all heads.
 */
import type { Analysis } from '../analysis';
import { correlationsCli } from './cli';
import { runCorrelations, type CorrelationsOptions, type CorrelationsResult, type LayerCorrelations } from './correlations';
import { CORRELATIONS_TIDY_COLUMNS, correlationsCsv, correlationsTidyRows } from './csv';
import { parseCorrelationsOptions } from './options';

export const correlations = {
  id: 'correlations',
  summary: 'Weight correlations M1–M8 between attention and MLP matrices, per head and per layer',
  parseOptions: parseCorrelationsOptions,
  run: runCorrelations,
  toCsv: correlationsCsv,
  tidy: { columns: CORRELATIONS_TIDY_COLUMNS, rows: correlationsTidyRows },
  cli: correlationsCli,
} as const satisfies Analysis<'correlations', CorrelationsOptions, CorrelationsResult, LayerCorrelations>;
