/**
 * The one validator of spectra options, for the worker request, the panel's re-run and the CLI:
 * only well-formed values pass, anything else is an Error a user can read.
 */
import { isObject, optionReader } from '../common/options';
import type { SpectraOptions } from './spectra';
import { ALPHA_FITS } from '../../stats/powerLaw';

const read = optionReader('spectra');

export function parseSpectraOptions(raw: unknown): SpectraOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('spectra options must be an object');
  const out: SpectraOptions = {};
  const layers = read.layers(raw, 'layers');
  if (layers) out.layers = layers;
  const kinds = read.kinds(raw, 'kinds');
  if (kinds) out.kinds = kinds;
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
