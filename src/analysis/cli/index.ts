/**
 * Every CLI subcommand: one per analysis of the table (src/analysis/methods/index.ts), derived from
 * its object by analysisCommand.ts, and the subcommands of their own shape (`cli/<name>.ts`
 * exporting a `CliCommand`: each option with its --help line, always including `json: JSON_OPTION`).
 */
import { ANALYSES } from '../methods/index';
import { analysisCommand } from './analysisCommand';
import type { CliCommand } from './types';
import { inspect } from './inspect';
import { forward } from './forward';
import { matrix } from './matrix';
import { diff } from '../methods/diff/cli';
import { pruneCurvesCommand } from '../methods/persistence/evaluation/cli';
import { activationPrune } from '../methods/activation/experiments/cli';
import { timelineCommand } from '../methods/timeline/command';
import { activationStsCommand } from '../methods/activation/sts/cli';

/** Analyses whose subcommand takes something other than one model (the timeline: a run folder) and is written by hand. */
const OWN_COMMANDS: Partial<Record<string, CliCommand>> = { [timelineCommand.name]: timelineCommand };

export const commands: CliCommand[] = [
  inspect,
  forward,
  matrix,
  ...ANALYSES.map((a) => OWN_COMMANDS[a.id] ?? analysisCommand(a)),
  // Subcommands that are not one analysis run (one per line):
  activationStsCommand,
  activationPrune,
  pruneCurvesCommand,
  diff,
];
