/**
 * Persistence similarity (docs/methods.md §5): zigzag persistent homology of the last token's hidden
 * states after every layer over a prompt set, the similarity of layers it gives, and the layers it
 * suggests pruning; on the command line, optionally a pruned copy and its perplexity.
 */
import type { Analysis } from '../analysis';
import { persistenceCli, type PersistenceCliResult } from './cli';
import { PERSISTENCE_TIDY_COLUMNS, persistenceCsv, persistenceTidyRows } from './csv';
import { runPersistenceJob, type PersistenceJobParams, type PersistenceJobResult } from './job';
import { parsePersistenceJobParams } from './options';

export const persistence = {
  id: 'persistence',
  summary: 'Zigzag persistence similarity of hidden states across layers, pruning suggestions, prune and measure perplexity',
  parseOptions: parsePersistenceJobParams,
  run: runPersistenceJob,
  // Typed with the run's result: the protocol reads the result of 'persistence/run' off this object.
  toCsv: (r: PersistenceJobResult) => persistenceCsv(r),
  tidy: { columns: PERSISTENCE_TIDY_COLUMNS, rows: (r: PersistenceCliResult) => persistenceTidyRows(r, r.prune) },
  cli: persistenceCli,
} as const satisfies Analysis<'persistence', PersistenceJobParams, PersistenceCliResult, never>;
