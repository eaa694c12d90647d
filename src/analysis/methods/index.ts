/**
 * The table of analyses. To add one: write its folder (maths, options, CSV, CLI spec and an
 * index.ts exporting its `Analysis`), add it below, and add its panel (webview/<id>/ and a command
 * in src/extension/commands/). The worker request `<id>/run`, its protocol entry and the CLI
 * subcommand follow from this table.
 */
import { spectra } from './spectra/index';
import { persistence } from './persistence/index';
import { activation } from './activation/index';
import { similarity } from './similarity/index';
import { correlations } from './correlations/index';
import { experts } from './experts/index';
import { adapter } from './adapter/index';
import { timeline } from './timeline/index';

export const ANALYSES = [persistence, activation, similarity, correlations, spectra, experts, timeline, adapter] as const;

export type AnalysisTable = typeof ANALYSES;
export type AnyAnalysis = AnalysisTable[number];
export type AnalysisId = AnyAnalysis['id'];
