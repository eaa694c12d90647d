/**
 * Every CLI subcommand. To add one: write `cli/<name>.ts` exporting a `CliCommand` (each option with
 * its --help line, always including `json: JSON_OPTION`, and `csv: csvOption(columns)` for an
 * analysis; see help.ts), and add one line below.
 */
import type { CliCommand } from './types';
import { inspect } from './inspect';
import { forward } from './forward';
import { activation } from './activation';
import { spectra } from './spectra';
import { similarity } from './similarity';
import { diff } from './diff';
import { correlations } from './correlations';
import { persistence } from './persistence';

export const commands: CliCommand[] = [
  inspect,
  forward,
  activation,
  spectra,
  similarity,
  correlations,
  diff,
  persistence,
];
