/**
 * What an analysis is, once: its id, its options' one validator, its computation, and how its result
 * reads as CSV and on the command line. Each analysis folder's index.ts exports one such object and
 * methods/index.ts lists them; the worker's run request and its protocol entry, the CLI subcommand
 * and the result-cache plumbing are derived from it (worker/handlers/analysisRun.ts,
 * cli/analysisCommand.ts, protocol/worker.ts), not written per analysis.
 */
import type { CachedRun } from '../cache/resultCache';
import type { Engine } from '../engine/engine';
import type { JobContext, Progress } from '../jobs';
import type { ModelHandle } from '../model/types';
import type { TidyRow } from './common/csv';

/** One command-line option: its parseArgs type, and what `--help` says about it. */
export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in `--help` (string options), e.g. `N` or `FILE`. */
  value?: string;
  /** One line for `--help`: what the option does, its default. */
  help: string;
}

export type CliOptions = Record<string, CliOption>;
export type CliValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a run gets besides the model and options: the engine, cancellation, progress, streaming, cache. */
export interface AnalysisContext<Partial = unknown> extends JobContext, CachedRun {
  engine: Engine;
  onProgress?: (p: Progress) => void;
  /** Streams a piece of the result before the run ends (a panel draws it at once). */
  onPartial?: (partial: Partial) => void;
}

/** What the CLI subcommand needs beyond the analysis itself (cli/analysisCommand.ts adds the rest). */
export interface AnalysisCli<Result> {
  /** Arguments after the command name, e.g. `<model> [--layer N] [--json|--csv]`. */
  usage: string;
  /** The command's own options, each with its --help line (--json and --csv are added). */
  options: CliOptions;
  /**
   * argv → the raw options of each run (usually one; similarity runs once per kind), for the
   * analysis's own parseOptions to validate. Only the command line's syntax is checked here
   * (numbers, lists, flags that exclude each other), as UsageErrors naming the flag.
   */
  toOptions(values: CliValues): unknown[];
  /** The table printed without --json/--csv. */
  format(results: Result[], values: CliValues): string;
  /**
   * Work a command-line run adds after the analysis (persistence: prune and evaluate), folded into
   * the result that is printed. Receives what the run itself received.
   */
  finish?(result: Result, values: CliValues, ctx: { model: ModelHandle } & AnalysisContext): Promise<Result>;
}

// `any` in the defaults lets the table hold analyses of different option and result types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Analysis<Id extends string = string, Options = any, Result = any, Partial = any> {
  /** Names the worker request `<id>/run` and the CLI subcommand. */
  readonly id: Id;
  /** One line for `layer-lens --help`. */
  readonly summary: string;
  /** The one validator of options from another process, a panel or the command line. */
  parseOptions(raw: unknown): Options;
  run(model: ModelHandle, options: Options, ctx: AnalysisContext<Partial>): Promise<Result>;
  /** The panel's "Export CSV": one row per entity, every value a column. */
  toCsv(result: Result): string;
  /** The CLI's `--csv`: tidy long rows under these key columns, then metric and value. */
  readonly tidy: { readonly columns: readonly string[]; rows(result: Result): TidyRow[] };
  readonly cli: AnalysisCli<Result>;
}

export type OptionsOf<A> = A extends Analysis<string, infer O> ? O : never;
export type ResultOf<A> = A extends Analysis<string, unknown, infer R> ? R : never;
