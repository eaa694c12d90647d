/**
 * Validation of checkpoint-diff options arriving from another process or a webview (the worker
 * request, the panel's re-run): only well-formed values pass, anything else is an Error a user can read.
 */
import { isObject, optionReader } from '../common/options';
import { resolveDiffOptions, type DiffExpertSelector, type DiffOptions } from './resolve';

const read = optionReader('diff');

export function parseDiffOptions(raw: unknown): DiffOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('diff options must be an object');
  const out: DiffOptions = {};
  const layers = read.layers(raw, 'layers');
  if (layers) out.layers = layers;
  const kinds = read.matrixKinds(raw, 'kinds');
  if (kinds) out.kinds = kinds;
  for (const key of ['docs', 'spectra', 'embeddings'] as const) {
    const v = read.boolean(raw, key);
    if (v !== undefined) out[key] = v;
  }
  for (const key of ['topTokens', 'keepSingular', 'bins'] as const) {
    if (!read.present(raw, key)) continue;
    if (typeof raw[key] !== 'number') read.fail(key, `a number, got ${JSON.stringify(raw[key])}`);
    out[key] = raw[key] as number;
  }
  if (read.present(raw, 'expert')) {
    const e = raw.expert;
    if (e !== 'shared' && e !== 'all' && !(typeof e === 'number' && Number.isInteger(e) && e >= 0 && e < 1e6))
      read.fail('expert', `a routed expert index, 'shared' or 'all'; got ${JSON.stringify(e)}`);
    out.expert = e as DiffExpertSelector;
  }
  resolveDiffOptions(out); // range checks, with the same messages as a direct call
  return out;
}
