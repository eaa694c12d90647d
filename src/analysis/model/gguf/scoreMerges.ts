/**
 * BPE merges for a SentencePiece vocabulary that has scores but no merge list (what
 * convert_hf_to_gguf.py writes for Llama-2-style `tokenizer.model` files): every split of every
 * piece into two pieces of the vocabulary is a merge, ranked by the score of the piece it forms,
 * highest first; splits of one piece are ordered by the scores of their left, then right part,
 * highest first. This is transformers' `GGUFTokenizerSkeleton.__init__` (src/transformers/
 * integrations/ggml.py), which SentencePiece's own BPE agrees with: it repeatedly joins the
 * adjacent pair whose joined piece scores highest. Pieces are split by code point, as Python
 * slices strings.
 */
export function mergesFromScores(tokens: readonly string[], scores: ArrayLike<number>): [string, string][] {
  const score = new Map<string, number>();
  // Python's dict keeps the last score of a repeated piece and iterates in first-insertion order.
  const order: string[] = [];
  tokens.forEach((t, i) => {
    if (!score.has(t)) order.push(t);
    score.set(t, scores[i]);
  });
  const all: { left: string; right: string; score: number }[] = [];
  for (const piece of order) {
    const cps = Array.from(piece);
    const local: { left: string; right: string; score: number }[] = [];
    for (let i = 1; i < cps.length; i++) {
      const left = cps.slice(0, i).join('');
      const right = cps.slice(i).join('');
      if (score.has(left) && score.has(right)) local.push({ left, right, score: score.get(piece)! });
    }
    // sorted(key=(vocab[l], vocab[r]), reverse=True): stable, so equal keys keep their split order.
    local.sort((a, b) => score.get(b.left)! - score.get(a.left)! || score.get(b.right)! - score.get(a.right)!);
    all.push(...local);
  }
  all.sort((a, b) => b.score - a.score);
  return all.map((m) => [m.left, m.right]);
}
