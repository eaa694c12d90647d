/**
 * The one validator of correlation options, for the worker request, the panel's re-run and the CLI,
 * and of the panel's head-value query: only well-formed values pass, anything else is an Error a
 * user reads.
 */
import { isObject, optionReader } from '../common/options';
import type { CorrelationsOptions } from './correlations';
import { HEAD_MEASURES, type HeadMeasure } from './names';

const read = optionReader('correlation');

export function parseCorrelationsOptions(raw: unknown): CorrelationsOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('correlation options must be an object');
  const out: CorrelationsOptions = {};
  const layers = read.layers(raw, 'layers');
  if (layers) out.layers = layers;
  if (read.present(raw, 'rcond')) {
    const rcond = raw.rcond;
    if (typeof rcond !== 'number' || !(rcond >= 0 && rcond < 1)) read.fail('rcond', 'a number in [0, 1)');
    out.rcond = rcond as number;
  }
  if (read.present(raw, 'expert')) {
    const e = raw.expert;
    if (e !== 'shared' && !(Number.isInteger(e) && (e as number) >= 0 && (e as number) < 1e6)) read.fail('expert', "an expert index or 'shared'");
    out.expert = e as number | 'shared';
  }
  return out;
}

/** What the panel asks for when a head is clicked: the two matrices behind one head measure. */
export interface HeadValuesQuery {
  layer: number;
  head: number;
  measure: HeadMeasure;
  /** Most points returned (a seeded sample of the entries when the matrices are larger). */
  maxPoints?: number;
}

export function parseHeadValuesQuery(raw: unknown): HeadValuesQuery {
  if (!isObject(raw)) throw new Error('the head query must be an object');
  const { layer, head, measure, maxPoints } = raw;
  if (!Number.isInteger(layer) || (layer as number) < 0) throw new Error("'layer' must be a layer index");
  if (!Number.isInteger(head) || (head as number) < 0) throw new Error("'head' must be a head index");
  if (!HEAD_MEASURES.includes(measure as HeadMeasure)) throw new Error(`'measure' must be one of ${HEAD_MEASURES.join(', ')}`);
  if (maxPoints !== undefined && maxPoints !== null && !(Number.isInteger(maxPoints) && (maxPoints as number) >= 10 && (maxPoints as number) <= 200_000)) {
    throw new Error("'maxPoints' must be an integer in [10, 200000]");
  }
  return {
    layer: layer as number,
    head: head as number,
    measure: measure as HeadMeasure,
    maxPoints: (maxPoints as number | undefined) ?? undefined,
  };
}
