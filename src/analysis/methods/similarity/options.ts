/**
 * The settings of a layer-similarity run as they cross process boundaries (worker request, panel
 * re-run, cache key), and their validation: only well-formed values pass, anything else is an
 * Error whose message a user can read.
 */
import { MATRIX_ROLES, type MatrixRole } from '../../model/types';
import { ORIENTATIONS, SIMILARITY_INDICES, type Orientation, type SimilarityIndex } from './names';
import { PAIR_MODES, type PairMode } from './plan';

export interface SimilaritySettings {
  kind: MatrixRole;
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
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneOf<T extends string>(raw: Record<string, unknown>, key: string, allowed: readonly T[]): T | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw new Error(`similarity option '${key}' must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}`);
  return v as T;
}

export function parseSimilaritySettings(raw: unknown): SimilaritySettings {
  if (!isObject(raw)) throw new Error('similarity options must be an object with at least a matrix kind');
  const kind = oneOf(raw, 'kind', MATRIX_ROLES);
  if (!kind) throw new Error(`similarity option 'kind' is required: one of ${MATRIX_ROLES.join(', ')}`);
  const out: SimilaritySettings = { kind };
  const pairs = oneOf(raw, 'pairs', PAIR_MODES);
  if (pairs) out.pairs = pairs;
  const orientation = oneOf(raw, 'orientation', ORIENTATIONS);
  if (orientation) out.orientation = orientation;
  if (raw.layers !== undefined && raw.layers !== null) {
    const l = raw.layers;
    if (!Array.isArray(l) || l.length < 2 || !l.every((x) => Number.isInteger(x) && x >= 0 && x < 1e6)) {
      throw new Error("similarity option 'layers' must be a list of at least two layer indices");
    }
    if (new Set(l).size !== l.length) throw new Error(`similarity option 'layers' repeats a layer: ${l.join(', ')}`);
    out.layers = l as number[];
  }
  if (raw.indices !== undefined && raw.indices !== null) {
    const i = raw.indices;
    if (!Array.isArray(i) || i.length === 0 || !i.every((x) => SIMILARITY_INDICES.includes(x as SimilarityIndex))) {
      throw new Error(`similarity option 'indices' must be a non-empty list of ${SIMILARITY_INDICES.join(', ')}`);
    }
    out.indices = [...new Set(i as SimilarityIndex[])];
  }
  if (raw.clusterThreshold !== undefined && raw.clusterThreshold !== null) {
    if (typeof raw.clusterThreshold !== 'number' || !Number.isFinite(raw.clusterThreshold))
      throw new Error("similarity option 'clusterThreshold' must be a finite number");
    out.clusterThreshold = raw.clusterThreshold;
  }
  return out;
}

/** A canonical string of the settings that change a result (for cache keys). */
export function settingsKey(s: SimilaritySettings): string {
  return JSON.stringify([
    s.kind,
    s.pairs ?? 'all',
    s.layers ?? 'every',
    s.orientation ?? 'neuron',
    s.indices ?? [...SIMILARITY_INDICES],
    s.clusterThreshold ?? 'otsu',
  ]);
}
