/**
 * Per-token change of an embedding (or lm_head) matrix `[vocab, hidden]`: for every token row r,
 * ‖b_r − a_r‖ / ‖a_r‖, plus the whole matrix's relative change and cosine, and the tokens that
 * moved most (with their text when the model has a tokenizer.json). Rows are streamed in blocks,
 * so a 150k-token vocabulary never needs both matrices in memory at once. When the vocabularies
 * differ in size (added tokens), the common rows are compared and the extra rows are counted.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import { readTensorRowsF32 } from '../../model/readRole';
import type { PromptTokenizer } from '../../model/tokenizer';
import type { ModelHandle } from '../../model/types';
import { positiveHistogram, type HistogramBin } from './metrics';
import type { EmbeddingPair } from './plan';

export interface TokenChange {
  id: number;
  /** The vocabulary string of the token, when a tokenizer exists. */
  token?: string;
  /** ‖b_r − a_r‖ / ‖a_r‖ (Infinity when the row of A is zero and that of B is not). */
  change: number;
  normA: number;
  normB: number;
}

export interface EmbeddingDiff {
  role: 'embed' | 'lm_head';
  tensorA: string;
  tensorB: string;
  rowsA: number;
  rowsB: number;
  hidden: number;
  /** Rows compared: min(rowsA, rowsB). */
  rowsCompared: number;
  relChange: number;
  cosine: number;
  /** Rows whose change is not 0. */
  changedRows: number;
  meanRowChange: number;
  maxRowChange: number;
  /** Histogram of the per-row relative change over the compared rows. */
  histogram: HistogramBin[];
  /** The rows that changed most, largest first. */
  top: TokenChange[];
  /** Where the token texts come from, when they are shown. */
  tokenizer?: string;
}

/** Elements per streamed block of rows (4 Mi float32 = 16 MiB per side). */
const BLOCK_ELEMENTS = 4 * 1024 * 1024;

export async function diffEmbedding(
  a: ModelHandle,
  b: ModelHandle,
  pair: EmbeddingPair,
  options: { topTokens: number; bins: number; tokenizer?: PromptTokenizer | null },
  ctx: JobContext = {},
): Promise<EmbeddingDiff> {
  const hidden = pair.shapeA[1];
  const rows = Math.min(pair.shapeA[0], pair.shapeB[0]);
  const change = new Float64Array(rows);
  const normsA = new Float64Array(rows);
  const normsB = new Float64Array(rows);
  let aa = 0,
    bb = 0,
    ab = 0,
    dd = 0;
  const block = Math.max(1, Math.floor(BLOCK_ELEMENTS / Math.max(1, hidden)));
  for (let r0 = 0; r0 < rows; r0 += block) {
    throwIfCancelled(ctx.signal);
    const r1 = Math.min(rows, r0 + block);
    const xa = await readTensorRowsF32(a, pair.tensorA, r0, r1, { signal: ctx.signal });
    const xb = await readTensorRowsF32(b, pair.tensorB, r0, r1, { signal: ctx.signal });
    for (let r = r0; r < r1; r++) {
      let ra = 0,
        rb = 0,
        rab = 0,
        rd = 0;
      const base = (r - r0) * hidden;
      for (let j = 0; j < hidden; j++) {
        const x = xa[base + j],
          y = xb[base + j],
          d = y - x;
        ra += x * x;
        rb += y * y;
        rab += x * y;
        rd += d * d;
      }
      aa += ra;
      bb += rb;
      ab += rab;
      dd += rd;
      normsA[r] = Math.sqrt(ra);
      normsB[r] = Math.sqrt(rb);
      change[r] = ra > 0 ? Math.sqrt(rd / ra) : rd > 0 ? Infinity : 0;
    }
    await yieldToEventLoop();
  }
  let changed = 0,
    sum = 0,
    finite = 0,
    max = 0;
  for (let r = 0; r < rows; r++) {
    if (change[r] !== 0) changed++;
    if (Number.isFinite(change[r])) {
      sum += change[r];
      finite++;
    }
    max = Math.max(max, change[r]);
  }
  const order = Array.from({ length: rows }, (_, i) => i)
    .filter((i) => change[i] > 0)
    .sort((x, y) => change[y] - change[x] || x - y)
    .slice(0, options.topTokens);
  const tok = options.tokenizer ?? null;
  const top: TokenChange[] = order.map((id) => {
    const t: TokenChange = { id, change: change[id], normA: normsA[id], normB: normsB[id] };
    if (tok) t.token = tok.tokenText(id);
    return t;
  });
  const normA = Math.sqrt(aa),
    normB = Math.sqrt(bb);
  const out: EmbeddingDiff = {
    role: pair.role,
    tensorA: pair.tensorA,
    tensorB: pair.tensorB,
    rowsA: pair.shapeA[0],
    rowsB: pair.shapeB[0],
    hidden,
    rowsCompared: rows,
    relChange: normA > 0 ? Math.sqrt(dd) / normA : dd > 0 ? Infinity : 0,
    cosine: normA > 0 && normB > 0 ? Math.max(-1, Math.min(1, ab / (normA * normB))) : normA === normB ? 1 : NaN,
    changedRows: changed,
    meanRowChange: finite ? sum / finite : NaN,
    maxRowChange: max,
    histogram: positiveHistogram(change, options.bins),
    top,
  };
  if (tok) out.tokenizer = tok.source;
  return out;
}
