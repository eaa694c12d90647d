/**
 * The options of an expert × expert similarity run and their one validator (worker request, panel
 * re-run, command line): only well-formed values pass, anything else is an Error naming the option.
 */
import { EXPERT_ROLES, type ExpertRole } from '../../model/types';
import { isObject, optionReader } from '../common/options';
import { ORIENTATIONS, SIMILARITY_INDICES, type Orientation, type SimilarityIndex } from '../similarity/names';

export interface ExpertsOptions {
  /** Model layer index of a mixture-of-experts layer; default the first one. */
  layer?: number;
  /** Expert matrix kind; default 'up'. */
  kind?: ExpertRole;
  /** Default every index. */
  indices?: SimilarityIndex[];
  /** Default 'neuron'. */
  orientation?: Orientation;
  /** Default: Otsu's threshold of the first index's values. */
  clusterThreshold?: number;
}

const read = optionReader('experts');

export function parseExpertsOptions(raw: unknown): ExpertsOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('experts options must be an object');
  const out: ExpertsOptions = {};
  const layer = read.integer(raw, 'layer', 0, 1e6 - 1, 'a layer index');
  if (layer !== undefined) out.layer = layer;
  const kind = read.oneOf(raw, 'kind', EXPERT_ROLES, `one of ${EXPERT_ROLES.join(', ')}; got ${JSON.stringify(raw.kind)}`);
  if (kind) out.kind = kind;
  const orientation = read.oneOf(raw, 'orientation', ORIENTATIONS, `one of ${ORIENTATIONS.join(', ')}; got ${JSON.stringify(raw.orientation)}`);
  if (orientation) out.orientation = orientation;
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
  return out;
}
