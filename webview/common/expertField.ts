/**
 * The expert selector of a panel's options, for mixture-of-experts models: empty (dense matrices
 * only), `shared`, a routed expert's index, or (where the analysis takes it) `all`. A text field,
 * since the panel does not know how many experts the model has; the worker names the valid range
 * when an index is out of it. Shown only where the model has such layers (expertFieldShown).
 */
import type { PanelModelInfo } from '../../src/protocol/panel';
import type { FieldOptions } from './toolkit';

export type ExpertChoice = number | 'shared' | 'all';

/** Parses the field's text: '' → undefined; `shared`, `all` (when allowed) or a non-negative integer; anything else throws. */
export function parseExpertChoice(text: string, allowAll: boolean): ExpertChoice | undefined {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'none') return undefined;
  if (t === 'shared') return 'shared';
  if (t === 'all' && allowAll) return 'all';
  if (/^\d+$/.test(t)) return Number(t);
  throw new Error(`'${text}' is not an expert: give an expert index, 'shared'${allowAll ? ", 'all'" : ''} or leave it empty`);
}

/** The field's options, for `textField` of ./toolkit (this module stays importable without a DOM). */
export function expertFieldOptions(testid: string, current: ExpertChoice | undefined, allowAll: boolean): FieldOptions {
  return {
    size: 8,
    testid,
    label: 'Expert of mixture-of-experts layers',
    title: `Mixture-of-experts layers: an expert index, 'shared'${allowAll ? ", 'all'" : ''}, or empty for dense matrices only`,
    placeholder: allowAll ? 'none · 3 · shared · all' : 'none · 3 · shared',
    value: current === undefined ? '' : String(current),
  };
}

/**
 * Whether a panel shows the field: on a model with mixture-of-experts layers, or when the options
 * already name an expert (a restored panel keeps what it ran with); on a dense model it means nothing.
 * Unknown structure (the host could not describe the model) keeps it, rather than hide it on a guess.
 */
export function expertFieldShown(modelInfo: PanelModelInfo | undefined, current: ExpertChoice | undefined): boolean {
  return current !== undefined || modelInfo?.moe !== false;
}
