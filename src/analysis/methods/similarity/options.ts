/**
 * The settings of a layer-similarity run as they cross process boundaries (worker request, panel
 * re-run, command line, cache key), and their one validator: only well-formed values pass, anything
 * else is an Error whose message a user can read.
 */
import { MATRIX_KINDS, type ExpertSelector, type MatrixKind } from '../../model/types';
import { isObject, optionReader } from '../common/options';
import { DEFAULT_INDICES, ORIENTATIONS, SIMILARITY_INDICES, type Orientation, type SimilarityIndex } from './names';
import type { DocsPrecision } from './docs';
import { PAIR_MODES, type PairMode } from './plan';

export interface SimilaritySettings {
  kind: MatrixKind;
  /** Default 'all'. */
  pairs?: PairMode;
  /** Model layer indices; default every layer with the kind. */
  layers?: number[];
  /** Default 'neuron'. */
  orientation?: Orientation;
  /** Default every index. */
  indices?: SimilarityIndex[];
  /** Default: Otsu's threshold of the first index's values. */
  clusterThreshold?: number;
  /**
   * Mixture-of-experts layers: compare this expert's gate/up/down (a routed expert index or
   * 'shared') across the MoE layers. Without it only dense layers have gate/up/down.
   */
  expert?: ExpertSelector;
  /**
   * DOCS's row and column maxima: 'exact' (default; equal to the float32 computation's, on the
   * integer matrix units where they are faster) or 'fast' (one int8 product, within a reported bound).
   */
  docsPrecision?: DocsPrecision;
}

const read = optionReader('similarity');

/** `key` as one of `allowed`, or undefined when absent; the message quotes the value given. */
function oneOf<T extends string>(raw: Record<string, unknown>, key: string, allowed: readonly T[]): T | undefined {
  return read.oneOf(raw, key, allowed, `one of ${allowed.join(', ')}; got ${JSON.stringify(raw[key])}`);
}

export function parseSimilaritySettings(raw: unknown): SimilaritySettings {
  if (!isObject(raw)) throw new Error('similarity options must be an object with at least a matrix kind');
  const kind = oneOf(raw, 'kind', MATRIX_KINDS);
  if (!kind) throw new Error(`similarity option 'kind' is required: one of ${MATRIX_KINDS.join(', ')}`);
  const out: SimilaritySettings = { kind };
  const pairs = oneOf(raw, 'pairs', PAIR_MODES);
  if (pairs) out.pairs = pairs;
  const orientation = oneOf(raw, 'orientation', ORIENTATIONS);
  if (orientation) out.orientation = orientation;
  const layers = read.layers(raw, 'layers', 2);
  if (layers) {
    if (new Set(layers).size !== layers.length) throw new Error(`similarity option 'layers' repeats a layer: ${layers.join(', ')}`);
    out.layers = layers;
  }
  if (read.present(raw, 'indices')) {
    const i = raw.indices;
    if (!Array.isArray(i) || i.length === 0 || !i.every((x) => SIMILARITY_INDICES.includes(x as SimilarityIndex))) {
      read.fail('indices', `a non-empty list of ${SIMILARITY_INDICES.join(', ')}`);
    }
    out.indices = [...new Set(i as SimilarityIndex[])];
  }
  if (read.present(raw, 'clusterThreshold')) {
    if (typeof raw.clusterThreshold !== 'number' || !Number.isFinite(raw.clusterThreshold)) read.fail('clusterThreshold', 'a finite number');
    out.clusterThreshold = raw.clusterThreshold as number;
  }
  if (read.present(raw, 'expert')) {
    const e = raw.expert;
    if (e !== 'shared' && !(typeof e === 'number' && Number.isInteger(e) && e >= 0 && e < 1e6))
      read.fail('expert', `a routed expert index or 'shared'; got ${JSON.stringify(e)}`);
    if (kind !== 'gate' && kind !== 'up' && kind !== 'down') read.fail('expert', `used with kind gate, up or down (experts have no '${kind}')`);
    out.expert = e as ExpertSelector;
  }
  const docsPrecision = oneOf(raw, 'docsPrecision', ['exact', 'fast'] as const);
  if (docsPrecision) out.docsPrecision = docsPrecision;
  return out;
}

/** A canonical string of the settings that change a result (for cache keys). */
export function settingsKey(s: SimilaritySettings): string {
  return JSON.stringify([
    s.kind,
    s.pairs ?? 'all',
    s.layers ?? 'every',
    s.orientation ?? 'neuron',
    s.indices ?? [...DEFAULT_INDICES],
    s.clusterThreshold ?? 'otsu',
    // Only when set, so the keys of runs without experts stay as they were.
    ...(s.expert === undefined ? [] : [`expert:${s.expert}`]),
    // 'exact' gives the float32 values, so only 'fast' changes a key.
    ...(s.docsPrecision === 'fast' ? ['docs:fast'] : []),
  ]);
}
