/**
 * Thread-pool settings shared by every onnxruntime session this project creates.
 *
 * Each ORT session owns its intra-op thread pool, and by default a pool's threads keep spinning
 * for a while after a run ends, waiting for the next one. Our work alternates between sessions
 * (panel and trailing-update graphs of the eigen reduction, the per-shape graphs of the analyses)
 * and between ORT and WASM/JS on the main thread, so those spinning threads compete for the
 * cores with whatever runs next. On the 2-core reference machine that made eigvalsh at n = 2048
 * take 1.0–1.1 s instead of 0.63–0.73 s (the first panel Gemm of each block ran at 8 GFLOP/s
 * instead of ~35, measured with ORT's profiler). Without spinning, an idle pool thread sleeps
 * and is woken when work arrives, which costs microseconds per run.
 */
export const NO_SPINNING: Record<string, unknown> =
  process.env.LAYER_LENS_ORT_SPIN === '1' ? {} : { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
