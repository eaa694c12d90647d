/**
 * `layer-lens <command> [args]` — the analyses without VS Code. Each subcommand lives in
 * cli/<name>.ts and is listed in cli/index.ts; this file parses argv, handles --version, --help,
 * the global options and --json/--csv's exclusion, Ctrl-C and progress, and turns errors into
 * messages and exit codes (1: failed, 2: usage). Help texts and the global options are in cli/help.ts.
 */
import { parseArgs } from 'node:util';
import { getEngine } from '../engine/engine';
import { CancelledError } from '../jobs';
import { openModel } from '../model/openModel';
import { commandHelp, commandUsage, GLOBAL_OPTIONS, parseArgsOptions, usage } from './help';
import { commands } from './index';
import { progressPrinter } from './progress';
import { UsageError, type CliContext } from './types';
import { cliVersion } from './version';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage(commands));
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    console.log(cliVersion());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`layer-lens: unknown command '${name}'.\n\n${usage(commands)}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: parseArgsOptions({ ...GLOBAL_OPTIONS, ...command.options }), allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`layer-lens ${name}: ${(e as Error).message}\n\n${commandUsage(command)}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(commandHelp(command));
    return 0;
  }
  if (parsed.values.json && parsed.values.csv) {
    console.error(`layer-lens ${name}: give --json or --csv, not both\n\n${commandUsage(command)}`);
    return 2;
  }
  const providers =
    typeof parsed.values.providers === 'string'
      ? parsed.values.providers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  const budgetText = parsed.values['memory-budget-mb'];
  const memoryBudgetMB = typeof budgetText === 'string' ? Number(budgetText) : undefined;
  if (memoryBudgetMB !== undefined && !(memoryBudgetMB > 0)) {
    console.error(`layer-lens: --memory-budget-mb must be a positive number, got '${budgetText}'.`);
    return 2;
  }
  const abort = new AbortController();
  // Progress on stderr with the time left; its terminal line is erased before anything else prints.
  const progress = progressPrinter(process.stderr);
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    progress.clear();
    process.stderr.write('\nCancelling… (Ctrl-C again to quit now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const ctx: CliContext = {
    signal: abort.signal,
    onProgress: progress.onProgress,
    out: (text) => {
      progress.clear();
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    err: (text) => {
      progress.clear();
      process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    model: (path) => openModel(path),
    engine: () => getEngine({ providers, memoryBudgetMB }),
  };
  try {
    await command.run({ positionals: parsed.positionals, values: parsed.values }, ctx);
    progress.clear();
    return 0;
  } catch (e) {
    progress.clear();
    if (e instanceof UsageError) {
      console.error(`layer-lens ${name}: ${e.message}\n\n${commandUsage(command)}`);
      return 2;
    }
    if (e instanceof CancelledError || abort.signal.aborted) {
      console.error('layer-lens: cancelled');
      return 130;
    }
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ENOENT') console.error(`layer-lens ${name}: not found: ${err.path ?? err.message}`);
    else console.error(`layer-lens ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.LAYER_LENS_DEBUG && err instanceof Error) console.error(err.stack);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`layer-lens: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
