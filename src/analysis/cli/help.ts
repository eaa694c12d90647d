/**
 * The CLI's help texts and the options every command shares: the global options (--providers,
 * --memory-budget-mb, --help), --json and --csv, `layer-lens --help`, `layer-lens <command> --help`
 * (usage, summary and every option with its line) and the parseArgs config derived from the options.
 */
import type { ParseArgsConfig } from 'node:util';
import type { CliCommand, CliOption, CliOptions } from './types';

export const GLOBAL_OPTIONS: CliOptions = {
  providers: { type: 'string', value: 'LIST', help: 'execution providers to try, in order, e.g. cuda,webgpu,cpu' },
  'memory-budget-mb': { type: 'string', value: 'N', help: 'working memory for blocked kernels, in MiB (default 4096)' },
  help: { type: 'boolean', short: 'h', help: 'print the usage and every option, and exit' },
};

/** `--json`, on every command. */
export const JSON_OPTION: CliOption = { type: 'boolean', help: 'print the whole result as JSON' };

/** `--csv` of an analysis whose tidy CSV has these columns. */
export function csvOption(columns: readonly string[]): CliOption {
  return { type: 'boolean', help: `print the values as tidy CSV, one per row: ${columns.join(',')} (not with --json)` };
}

/** The parseArgs config of `options`. */
export function parseArgsOptions(options: CliOptions): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(options).map(([name, o]) => [name, o.short ? { type: o.type, short: o.short } : { type: o.type }]));
}

function optionLines(options: CliOptions): string[] {
  const flags = Object.entries(options).map(([name, o]) => [`${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`, o.help]);
  const width = Math.max(...flags.map(([f]) => f.length));
  return flags.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`);
}

/** `layer-lens --help`. */
export function usage(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: layer-lens <command> [arguments] [--json | --csv]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines({ ...GLOBAL_OPTIONS, version: { type: 'boolean', short: 'V', help: 'print the version and exit' } }),
    '',
    "Run 'layer-lens <command> --help' for a command's arguments.",
  ].join('\n');
}

/** The usage line and summary of a command (after a usage error). */
export function commandUsage(c: CliCommand): string {
  return `Usage: layer-lens ${c.name} ${c.usage}\n\n${c.summary}\n\nRun 'layer-lens ${c.name} --help' for every option.`;
}

/** `layer-lens <command> --help`: usage, summary, the command's options and the global ones. */
export function commandHelp(c: CliCommand): string {
  return [
    `Usage: layer-lens ${c.name} ${c.usage}`,
    '',
    c.summary,
    '',
    'Options:',
    ...optionLines(c.options),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
  ].join('\n');
}
