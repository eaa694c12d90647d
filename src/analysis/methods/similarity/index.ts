/**
 * Layer similarity (docs/methods.md §1): DOCS and the baseline indices (Pearson, cosine, R², CKA,
 * SVCCA, Procrustes) of every pair of layers for one matrix kind, with the clusters they form;
 * served from the result cache when the same files and settings were analysed before.
 */
import type { Analysis } from '../analysis';
import { similarityCli } from './cli';
import { SIMILARITY_TIDY_COLUMNS, similarityCsv, similarityTidyRows } from './csv';
import { runSimilarityJob, type SimilarityJobResult, type SimilarityPartial } from './job';
import { parseSimilaritySettings, type SimilaritySettings } from './options';

export const similarity = {
  id: 'similarity',
  summary: 'Layer similarity: DOCS and baseline indices (Pearson, cosine, R², CKA, SVCCA, Procrustes) of every pair of layers, with clusters',
  parseOptions: parseSimilaritySettings,
  run: (model, options, ctx) => runSimilarityJob(ctx.engine, model, options, ctx),
  // Wrapped so that their parameter is the job's result: the protocol reads the result type from
  // this object, and the bare functions take the LayerSimilarityResult without its `cached`.
  toCsv: (result) => similarityCsv(result),
  tidy: { columns: SIMILARITY_TIDY_COLUMNS, rows: (result) => similarityTidyRows(result) },
  cli: similarityCli,
} as const satisfies Analysis<'similarity', SimilaritySettings, SimilarityJobResult, SimilarityPartial>;
