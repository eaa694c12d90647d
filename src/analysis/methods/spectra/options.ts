/**
 * The one validator of spectra options, for the worker request, the panel's re-run and the CLI:
 * only well-formed values pass, anything else is an Error a user can read.
 */
import { isObject, optionReader } from '../common/options';
import type { SpectraOptions } from './spectra';
import { ALPHA_FITS } from '../../stats/powerLaw';
import { MATRIX_KINDS, type MatrixKind } from '../../model/types';

const read = optionReader('spectra');

export function parseSpectraOptions(raw: unknown): SpectraOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('spectra options must be an object');
  const out: SpectraOptions = {};
  const layers = read.layers(raw, 'layers');
  if (layers) out.layers = layers;
  // Any matrix kind, the extra ones (router, MLA factors) included.
  if (raw.kinds !== undefined) {
    const v = raw.kinds;
    if (!Array.isArray(v) || v.length === 0 || !v.every((k) => MATRIX_KINDS.includes(k as MatrixKind)))
      throw new Error(`spectra option 'kinds' must be a non-empty list of ${MATRIX_KINDS.join(', ')}`);
    out.kinds = v as MatrixKind[];
  }
  if (raw.experts !== undefined) {
    const v = raw.experts;
    const ok = v === 'none' || v === 'all' || v === 'shared' || (Array.isArray(v) && v.length > 0 && v.every((e) => Number.isInteger(e) && e >= 0 && e < 1e6));
    if (!ok) throw new Error("spectra option 'experts' must be 'none', 'all', 'shared' or a non-empty list of expert indices");
    out.experts = Array.isArray(v) ? [...(v as number[])] : (v as 'none' | 'all' | 'shared');
  }
  const side = read.oneOf(raw, 'vectorSide', ['right', 'left'] as const);
  if (side) out.vectorSide = side;
  const alphaFit = read.oneOf(raw, 'alphaFit', ALPHA_FITS);
  if (alphaFit) out.alphaFit = alphaFit;
  const seed = read.integer(raw, 'seed', 0, 0xffffffff, 'an integer in [0, 2³²)');
  if (seed !== undefined) out.seed = seed;
  for (const key of ['heads', 'matrixVectors', 'randDistance', 'keepValues'] as const) {
    const v = read.boolean(raw, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
