/**
 * The one validator of the semantic-similarity run options, for the worker request 'activation/sts'
 * and the CLI: where the pairs come from, how many, the token limit, BOS, the tracked-parameter budget.
 */
import { isObject, optionReader } from '../../common/options';
import type { StsJobParams, StsPairsSource } from './job';

const read = optionReader('semantic similarity');

function pairsSource(v: unknown): StsPairsSource {
  if (v === undefined || v === null) return { kind: 'sample' };
  if (isObject(v) && v.kind === 'sample') return { kind: 'sample' };
  if (isObject(v) && v.kind === 'file' && typeof v.path === 'string' && v.path.length > 0) return { kind: 'file', path: v.path };
  return read.fail('pairs', "{kind: 'sample'} or {kind: 'file', path}");
}

export function parseStsParams(raw: unknown): StsJobParams {
  if (!isObject(raw)) throw new Error('semantic similarity options must be an object');
  const out: StsJobParams = { pairs: pairsSource(raw.pairs) };
  const maxPairs = read.integer(raw, 'maxPairs', 3, 1e7);
  if (maxPairs !== undefined) out.maxPairs = maxPairs;
  const maxTokens = read.integer(raw, 'maxTokens', 1, 1e6);
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  const maxTrackedParams = read.integer(raw, 'maxTrackedParams', 1000, 1e10);
  if (maxTrackedParams !== undefined) out.maxTrackedParams = maxTrackedParams;
  const addBos = read.boolean(raw, 'addBos');
  if (addBos !== undefined) out.addBos = addBos;
  return out;
}
