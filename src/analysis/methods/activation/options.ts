/**
 * Options of the activation panel, and their validation: the panel sends options back for a re-run,
 * and a webview message is untrusted input. File paths never come from the webview: a prompt file
 * chosen by the user stays with the host, the options only say whether to use it.
 */
import { BUILTIN_DOMAINS } from '../../prompts/index';
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
  return { prompts, threshold: o.threshold, targetPruneRatio: o.targetPruneRatio, epsilon: o.epsilon, maxTokens: o.maxTokens };
}
