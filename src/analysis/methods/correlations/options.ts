/**
 * Validation of correlation options arriving from another process or a webview (the worker
 * request, the panel's re-run): only well-formed values pass, anything else is an Error a user reads.
 */
import type { CorrelationsOptions } from './correlations';
import { HEAD_MEASURES, type HeadMeasure } from './names';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseCorrelationsOptions(raw: unknown): CorrelationsOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('correlation options must be an object');
  const out: CorrelationsOptions = {};
  if (raw.layers !== undefined && raw.layers !== null) {
    if (!Array.isArray(raw.layers) || raw.layers.length === 0 || !raw.layers.every((l) => Number.isInteger(l) && l >= 0 && l < 1e6)) {
      throw new Error("correlation option 'layers' must be a non-empty list of layer indices");
    }
    out.layers = raw.layers as number[];
  }
  if (raw.rcond !== undefined && raw.rcond !== null) {
    if (typeof raw.rcond !== 'number' || !(raw.rcond >= 0 && raw.rcond < 1)) throw new Error("correlation option 'rcond' must be a number in [0, 1)");
    out.rcond = raw.rcond;
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
  return { layer: layer as number, head: head as number, measure: measure as HeadMeasure, maxPoints: (maxPoints as number | undefined) ?? undefined };
}
