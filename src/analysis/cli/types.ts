/**
 * What a CLI subcommand is: a name, a usage line, its options (each with one line of help; the
 * `node:util` parseArgs config is derived from them in help.ts), and a function of the parsed
 * arguments. cli.ts parses argv, wires Ctrl-C to `signal`, prints progress on stderr, and maps
 * thrown errors to a message and exit code 1.
 */
import type { Engine } from '../engine/engine';
import type { JobContext, Progress } from '../jobs';
import type { ModelHandle } from '../model/types';
import type { CliOptions, CliValues } from '../methods/analysis';

export type { CliOption, CliOptions, CliValues } from '../methods/analysis';
export { UsageError } from '../methods/common/cliArgs';

export interface CliContext extends JobContext {
  signal: AbortSignal;
  onProgress: (p: Progress) => void;
  /** Writes to stdout (the result: text or JSON). */
  out: (text: string) => void;
  /** Writes to stderr (notes, warnings). */
  err: (text: string) => void;
  model(path: string): Promise<ModelHandle>;
  /** The engine built from the global --providers / --memory-budget-mb options. */
  engine(): Promise<Engine>;
}

export interface CliCommand {
  name: string;
  /** One line for `layer-lens help`. */
  summary: string;
  /** Arguments after the command name, e.g. `<model> [--json]`. */
  usage: string;
  /** Every option of the command (the global ones are in help.ts), each with its --help line. */
  options: CliOptions;
  run(args: { positionals: string[]; values: CliValues }, ctx: CliContext): Promise<void>;
}

/** Prints a value as stable, indented JSON (typed arrays as plain arrays, Maps as objects). */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (v instanceof Map) return Object.fromEntries(v);
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (typeof v === 'bigint') return v.toString();
      return v;
    },
    2,
  );
}
