/**
 * Validation of spectra options arriving from another process or a webview (the worker request,
 * the panel's re-run): only well-formed values pass, anything else is an Error a user can read.
 */
import { MATRIX_ROLES, type MatrixRole } from '../../model/types';
import type { SpectraOptions } from './spectra';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalBoolean(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Error(`spectra option '${key}' must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function parseSpectraOptions(raw: unknown): SpectraOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('spectra options must be an object');
  const out: SpectraOptions = {};
  if (raw.layers !== undefined && raw.layers !== null) {
    if (!Array.isArray(raw.layers) || raw.layers.length === 0 || !raw.layers.every((l) => Number.isInteger(l) && l >= 0 && l < 1e6)) {
      throw new Error("spectra option 'layers' must be a non-empty list of layer indices");
    }
    out.layers = raw.layers as number[];
  }
  if (raw.kinds !== undefined && raw.kinds !== null) {
    if (!Array.isArray(raw.kinds) || raw.kinds.length === 0 || !raw.kinds.every((k) => MATRIX_ROLES.includes(k as MatrixRole))) {
      throw new Error(`spectra option 'kinds' must be a non-empty list of ${MATRIX_ROLES.join(', ')}`);
    }
    out.kinds = raw.kinds as MatrixRole[];
  }
  if (raw.vectorSide !== undefined && raw.vectorSide !== null) {
    if (raw.vectorSide !== 'right' && raw.vectorSide !== 'left') throw new Error("spectra option 'vectorSide' must be 'right' or 'left'");
    out.vectorSide = raw.vectorSide;
  }
  if (raw.seed !== undefined && raw.seed !== null) {
    if (!Number.isInteger(raw.seed) || (raw.seed as number) < 0 || (raw.seed as number) > 0xffffffff) throw new Error("spectra option 'seed' must be an integer in [0, 2³²)");
    out.seed = raw.seed as number;
  }
  for (const key of ['heads', 'matrixVectors', 'randDistance', 'keepValues'] as const) {
    const v = optionalBoolean(raw, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
