/**
 * Validation of checkpoint-diff options arriving from another process or a webview (the worker
 * request, the panel's re-run): only well-formed values pass, anything else is an Error a user can read.
 */
import { MATRIX_ROLES, type MatrixRole } from '../../model/types';
import { resolveDiffOptions, type DiffOptions } from './diff';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseDiffOptions(raw: unknown): DiffOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('diff options must be an object');
  const out: DiffOptions = {};
  if (raw.layers !== undefined && raw.layers !== null) {
    if (!Array.isArray(raw.layers) || raw.layers.length === 0 || !raw.layers.every((l) => Number.isInteger(l) && l >= 0 && l < 1e6)) {
      throw new Error("diff option 'layers' must be a non-empty list of layer indices");
    }
    out.layers = raw.layers as number[];
  }
  if (raw.kinds !== undefined && raw.kinds !== null) {
    if (!Array.isArray(raw.kinds) || raw.kinds.length === 0 || !raw.kinds.every((k) => MATRIX_ROLES.includes(k as MatrixRole))) {
      throw new Error(`diff option 'kinds' must be a non-empty list of ${MATRIX_ROLES.join(', ')}`);
    }
    out.kinds = raw.kinds as MatrixRole[];
  }
  for (const key of ['docs', 'spectra', 'embeddings'] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') throw new Error(`diff option '${key}' must be true or false, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  for (const key of ['topTokens', 'keepSingular', 'bins'] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number') throw new Error(`diff option '${key}' must be a number, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  resolveDiffOptions(out); // range checks, with the same messages as a direct call
  return out;
}
