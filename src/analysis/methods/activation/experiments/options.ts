/**
 * The pruning experiment's run options and their one validator, for the worker request
 * `activation/pruneExperiment` and the CLI (`layer-lens activation-prune`).
 */
import { isObject, optionReader } from '../../common/options';
import { checkPromptSources } from '../../common/promptSources';
import type { PromptSource } from '../../../prompts/promptSources';
import type { Threshold } from '../activation';

export interface PruneExperimentJobParams {
  /** Calibration prompts and, per domain, the held-out prompts (the last `heldOutPerDomain` of each domain). */
  prompts: PromptSource[];
  /** Held-out prompts taken from the end of each domain's prompts (default 2; 0 with `heldOutText` and no domain experiment). Built-in sets are extended by this many. */
  heldOutPerDomain?: number;
  /** A text file whose tokens, in windows of `maxTokens`, are the held-out text of experiment (a). */
  heldOutText?: string;
  targetPruneRatio?: number;
  lambda?: number;
  threshold?: Threshold;
  /** Also run the calibration-domain experiment (b). */
  domains?: boolean;
  /** Longer prompts keep their first maxTokens tokens; also the held-out text's window (default 128). */
  maxTokens?: number;
  /** Tokens of the held-out text used at most (default 4096). */
  maxEvalTokens?: number;
  addBos?: boolean;
}

const read = optionReader('activation-prune');

function number(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  if (!read.present(o, key)) return undefined;
  const v = o[key];
  if (typeof v !== 'number' || !(v >= min && v <= max)) read.fail(key, `a number in [${min}, ${max}]`);
  return v as number;
}

export function parsePruneExperimentOptions(raw: unknown): PruneExperimentJobParams {
  if (!isObject(raw)) throw new Error('activation-prune options must be an object');
  const out: PruneExperimentJobParams = { prompts: checkPromptSources(raw.prompts) };
  const target = number(raw, 'targetPruneRatio', 0, 1);
  if (target !== undefined) out.targetPruneRatio = target;
  const lambda = number(raw, 'lambda', 0, 0.5);
  if (lambda !== undefined) out.lambda = lambda;
  const held = read.integer(raw, 'heldOutPerDomain', 0, 1000);
  if (held !== undefined) out.heldOutPerDomain = held;
  const maxTokens = read.integer(raw, 'maxTokens', 2, 1 << 20);
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  const maxEval = read.integer(raw, 'maxEvalTokens', 2, 1 << 24);
  if (maxEval !== undefined) out.maxEvalTokens = maxEval;
  if (read.present(raw, 'heldOutText')) {
    if (typeof raw.heldOutText !== 'string' || raw.heldOutText.length === 0) read.fail('heldOutText', 'a file path');
    out.heldOutText = raw.heldOutText as string;
  }
  const domains = read.boolean(raw, 'domains');
  if (domains !== undefined) out.domains = domains;
  const addBos = read.boolean(raw, 'addBos');
  if (addBos !== undefined) out.addBos = addBos;
  if (read.present(raw, 'threshold')) {
    const t = raw.threshold;
    if (isObject(t) && t.kind === 'absolute' && t.tau === undefined) out.threshold = { kind: 'absolute' };
    else if (isObject(t) && t.kind === 'absolute' && typeof t.tau === 'number' && t.tau > 0) out.threshold = { kind: 'absolute', tau: t.tau };
    else if (isObject(t) && t.kind === 'relative' && typeof t.factor === 'number' && t.factor > 0) out.threshold = { kind: 'relative', factor: t.factor };
    else read.fail('threshold', "{kind:'absolute', tau?>0} or {kind:'relative', factor>0}");
  }
  return out;
}
