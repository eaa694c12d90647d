/**
 * Names of the weight-correlation measures (methods.md §2), shared by the method, its CSV, the CLI
 * and the panel. Free of engine imports so the extension host and the webview can use them.
 */

/** Per layer and query head. */
export const HEAD_MEASURES = ['M1', 'M2', 'M3', 'M4', 'M5'] as const;
export type HeadMeasure = (typeof HEAD_MEASURES)[number];

/** M7, per layer: correlations between the MLP matrices themselves. */
export const M7_MEASURES = ['gate_up', 'gate_downT', 'up_downT', 'pinvUp_down'] as const;
export type M7Measure = (typeof M7_MEASURES)[number];

/** M8, per layer: correlations of MLP products with the identity. */
export const M8_MEASURES = ['down_gate', 'down_up', 'down_pinvUpT'] as const;
export type M8Measure = (typeof M8_MEASURES)[number];

export const HEAD_LABELS: Record<HeadMeasure, string> = {
  M1: 'M1 cc(Wq, Wk)',
  M2: 'M2 cc(Wq, Wv)',
  M3: 'M3 cc(Wk, Wv)',
  M4: 'M4 cc(WqᵀWk, I)',
  M5: 'M5 cc(Woᵀ, Wv)',
};

export const M7_LABELS: Record<M7Measure, string> = {
  gate_up: 'cc(Wg, Wu)',
  gate_downT: 'cc(Wg, Wdᵀ)',
  up_downT: 'cc(Wu, Wdᵀ)',
  pinvUp_down: 'cc(pinv(Wu), Wd)',
};

export const M8_LABELS: Record<M8Measure, string> = {
  down_gate: 'cc(Wd·Wg, I)',
  down_up: 'cc(Wd·Wu, I)',
  down_pinvUpT: 'cc(Wd·pinv(Wu)ᵀ, I)',
};

/** MLP measures that need a gate matrix (SwiGLU/GeGLU); GPT-2, GPT-NeoX and OPT have none. */
export const GATE_MEASURES: readonly (M7Measure | M8Measure)[] = ['gate_up', 'gate_downT', 'down_gate'];

/** The two matrices whose entries a head measure compares (for the value scatter); M4's product is formed from Wq and Wk. */
export const HEAD_MATRICES: Record<HeadMeasure, [string, string]> = {
  M1: ['Wq', 'Wk'],
  M2: ['Wq', 'Wv'],
  M3: ['Wk', 'Wv'],
  M4: ['Wq', 'Wk'],
  M5: ['Woᵀ', 'Wv'],
};

/** The role matrices each measure reads: a non-finite one makes the measure not computable. */
export const HEAD_MEASURE_ROLES: Record<HeadMeasure, readonly ('q' | 'k' | 'v' | 'o')[]> = {
  M1: ['q', 'k'],
  M2: ['q', 'v'],
  M3: ['k', 'v'],
  M4: ['q', 'k'],
  M5: ['o', 'v'],
};

export const MLP_MEASURE_ROLES: Record<M7Measure | M8Measure, readonly ('gate' | 'up' | 'down')[]> = {
  gate_up: ['gate', 'up'],
  gate_downT: ['gate', 'down'],
  up_downT: ['up', 'down'],
  pinvUp_down: ['up', 'down'],
  down_gate: ['down', 'gate'],
  down_up: ['down', 'up'],
  down_pinvUpT: ['down', 'up'],
};
