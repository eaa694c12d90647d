/**
 * The activation analysis's options and their validators. The run options (`ActivationJobParams`:
 * prompt sources, threshold, pruning target, ε, token and pair limits) have one validator,
 * parseActivationRunOptions, for the worker request and the CLI. The panel has options of its own
 * (`ActivationPanelOptions`, validated by parseActivationOptions when the webview sends them back for
 * a re-run) that map to run options through activationJobParams. File paths never come from the
 * webview: a prompt file chosen by the user stays with the host, the options only say whether to use it.
 */
import { BUILTIN_DOMAINS } from '../../prompts/index';
import { isObject, optionReader } from '../common/options';
import { checkPromptSources } from '../common/promptSources';
import type { ActivationJobParams, PromptSource } from './job';
import type { Threshold } from './activation';

export interface ActivationPanelOptions {
  /** Built-in domains to include (may be empty when a file or a selection supplies prompts). */
  domains: string[];
  perDomain: number;
  /** Include the prompt file the user chose when opening the panel. */
  useFile: boolean;
  /** Include the editor selection the panel was opened with. */
  useSelection: boolean;
  threshold: Threshold;
  targetPruneRatio: number;
  epsilon: number;
  maxTokens: number;
}

export const DEFAULT_ACTIVATION_OPTIONS: ActivationPanelOptions = {
  domains: [...BUILTIN_DOMAINS],
  perDomain: 6,
  useFile: false,
  useSelection: false,
  threshold: { kind: 'absolute' },
  targetPruneRatio: 0.5,
  epsilon: 0.01,
  maxTokens: 64,
};

function fail(msg: string): never {
  throw new Error(`activation options: ${msg}`);
}

function numberIn(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(`${name} must be a number in [${min}, ${max}]`);
  return v;
}

export function parseActivationOptions(raw: unknown): ActivationPanelOptions {
  if (typeof raw !== 'object' || raw === null) fail('expected an object');
  const o = raw as Record<string, unknown>;
  if (!Array.isArray(o.domains) || !o.domains.every((d) => typeof d === 'string' && (BUILTIN_DOMAINS as readonly string[]).includes(d))) {
    fail(`domains must be a list of ${BUILTIN_DOMAINS.join(', ')}`);
  }
  const perDomain = numberIn(o.perDomain, 'perDomain', 1, 1000);
  if (!Number.isInteger(perDomain)) fail('perDomain must be an integer');
  if (typeof o.useFile !== 'boolean' || typeof o.useSelection !== 'boolean') fail('useFile and useSelection must be booleans');
  const t = o.threshold as Record<string, unknown> | null;
  let threshold: Threshold;
  if (t && t.kind === 'absolute')
    threshold = t.tau === undefined ? { kind: 'absolute' } : { kind: 'absolute', tau: numberIn(t.tau, 'tau', Number.MIN_VALUE, 1e6) };
  else if (t && t.kind === 'relative') threshold = { kind: 'relative', factor: numberIn(t.factor, 'factor', Number.MIN_VALUE, 1e6) };
  else fail("threshold must be {kind: 'absolute', tau?} or {kind: 'relative', factor}");
  const maxTokens = numberIn(o.maxTokens, 'maxTokens', 1, 8192);
  if (!Number.isInteger(maxTokens)) fail('maxTokens must be an integer');
  const out: ActivationPanelOptions = {
    domains: [...new Set(o.domains as string[])],
    perDomain,
    useFile: o.useFile,
    useSelection: o.useSelection,
    threshold,
    targetPruneRatio: numberIn(o.targetPruneRatio, 'targetPruneRatio', 0, 1),
    epsilon: numberIn(o.epsilon, 'epsilon', 0, 1e6),
    maxTokens,
  };
  if (out.domains.length === 0 && !out.useFile && !out.useSelection) fail('choose at least one prompt source');
  return out;
}

/** The worker request for these options; `file` and `selection` are what the host holds. */
export function activationJobParams(o: ActivationPanelOptions, held: { file?: string; selection?: string }): ActivationJobParams {
  const prompts: PromptSource[] = [];
  if (o.useSelection) {
    if (held.selection === undefined) fail('this panel was not opened on an editor selection');
    prompts.push({ kind: 'text', text: held.selection, domain: 'selection' });
  }
  if (o.useFile) {
    if (held.file === undefined) fail('this panel was not opened with a prompt file');
    prompts.push({ kind: 'file', path: held.file });
  }
  if (o.domains.length) prompts.push({ kind: 'builtin', domains: o.domains, perDomain: o.perDomain });
  return {
    prompts,
    threshold: o.threshold,
    targetPruneRatio: o.targetPruneRatio,
    epsilon: o.epsilon,
    maxTokens: o.maxTokens,
  };
}

const read = optionReader('activation');

function threshold(o: Record<string, unknown>): Threshold | undefined {
  if (!read.present(o, 'threshold')) return undefined;
  const t = o.threshold;
  if (isObject(t) && t.kind === 'absolute' && t.tau === undefined) return { kind: 'absolute' };
  if (isObject(t) && t.kind === 'absolute' && typeof t.tau === 'number' && t.tau > 0) return { kind: 'absolute', tau: t.tau };
  if (isObject(t) && t.kind === 'relative' && typeof t.factor === 'number' && t.factor > 0) return { kind: 'relative', factor: t.factor };
  return read.fail('threshold', "{kind:'absolute', tau?>0} or {kind:'relative', factor>0}");
}

function optionalNumber(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  if (!read.present(o, key)) return undefined;
  const v = o[key];
  if (typeof v !== 'number' || !(v >= min && v <= max)) read.fail(key, `a number in [${min}, ${max}]`);
  return v as number;
}

/** The one validator of run options, for the worker request `activation/run` and the CLI. */
export function parseActivationRunOptions(raw: unknown): ActivationJobParams {
  if (!isObject(raw)) throw new Error('activation options must be an object');
  const out: ActivationJobParams = { prompts: checkPromptSources(raw.prompts) };
  const th = threshold(raw);
  if (th) out.threshold = th;
  const numbers = { targetPruneRatio: [0, 1], epsilon: [0, 1e6], maxTokens: [1, 1e6], maxPairs: [0, 1e6] } as const;
  for (const [key, [min, max]] of Object.entries(numbers) as Array<[keyof typeof numbers, readonly [number, number]]>) {
    const v = optionalNumber(raw, key, min, max);
    if (v !== undefined) out[key] = v;
  }
  const addBos = read.boolean(raw, 'addBos');
  if (addBos !== undefined) out.addBos = addBos;
  return out;
}
