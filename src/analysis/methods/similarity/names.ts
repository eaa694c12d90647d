/**
 * Names shared by the similarity method, its options, the CLI and the panel: the indices and the
 * orientations. Kept free of engine imports so the extension host and the webview can use them
 * without pulling in onnxruntime.
 */

export const SIMILARITY_INDICES = ['docs', 'pearson', 'cosine', 'r2', 'linreg', 'cka', 'hsic', 'cca', 'svcca', 'pwcca', 'procrustes'] as const;
export type SimilarityIndex = (typeof SIMILARITY_INDICES)[number];

export const INDEX_LABELS: Record<SimilarityIndex, string> = {
  docs: 'DOCS',
  pearson: 'Pearson (flattened)',
  cosine: 'Cosine (flattened)',
  r2: 'Pearson² (flattened)',
  linreg: 'Linear regression R²',
  cka: 'Linear CKA',
  hsic: 'Linear HSIC',
  cca: 'CCA R²',
  svcca: 'SVCCA',
  pwcca: 'PWCCA',
  procrustes: 'Orthogonal Procrustes',
};

/** Indices that need per-matrix SVDs: computed after the others so DOCS results arrive first. */
export const HEAVY_INDICES: ReadonlySet<SimilarityIndex> = new Set<SimilarityIndex>(['linreg', 'cca', 'svcca', 'pwcca', 'procrustes']);

/**
 * What runs when no index is named: every index but PWCCA, whose per-pair cost is r²·m (the
 * projection of every unit on every canonical direction) — tens of seconds a pair on 8B-sized
 * layers; it runs when asked for by name.
 */
export const DEFAULT_INDICES: readonly SimilarityIndex[] = SIMILARITY_INDICES.filter((i) => i !== 'pwcca');

export function parseIndex(name: string): SimilarityIndex {
  if ((SIMILARITY_INDICES as readonly string[]).includes(name)) return name as SimilarityIndex;
  throw new Error(`Unknown similarity index '${name}': use one of ${SIMILARITY_INDICES.join(', ')}`);
}

/**
 * Which vectors of an `[out, in]` weight are compared:
 * - 'rows': its rows (one vector per output unit) — the stored weight transposed;
 * - 'columns': its columns (one vector per input unit) — the weight as stored;
 * - 'neuron': one vector per unit of the block's inner space (attention head dims, MLP neurons),
 *   the spec's default: 'rows' for q, k, v, gate, up (they write into it) and 'columns' for o,
 *   down (they read from it). Every compared vector then has the hidden size as its length.
 */
export type Orientation = 'neuron' | 'rows' | 'columns';
export const ORIENTATIONS: readonly Orientation[] = ['neuron', 'rows', 'columns'];
