/**
 * Layer-streamed forward and backward of a decoder-only transformer (Llama family, GPT-2,
 * GPT-NeoX, and the mixture-of-experts families Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE, gpt-oss,
 * DeepSeek-V2/V3) on onnxruntime.
 *
 * Memory: one layer's weights are read (and the next one prefetched) at a time; the hidden state at
 * every layer boundary is kept ([B,T,d] each, small), and the backward recomputes each layer's
 * internals from its input in a forward+backward graph, so activations are never stored for more
 * than one layer. Embedding rows are read per token and lm_head in vocabulary chunks.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { DecoderConfig } from './config';
import { ExecutorGraphs } from './graphs';
import { blockWeights, type BlockSpec } from './block';
import { layerSpec, readLayerWeights } from './arch';
import { ropeFrequencies, ropeTables } from './rope';
import { dataOf, tensor, type FloatArray, type SessionOptions, type ort } from './session';
import type { WeightSource } from './weights';
import type { ElemType } from './ops';
import type { Engine } from '../../engine/engine';
import { runHead, headBackward, type Objective, type HeadGradientSink } from './head';
import { moeCostNote, moeLayerBytes } from './moeConfig';
import { FloatBufferPool } from './bufferPool';

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** `source` with whole-tensor reads going into the pool's float32 buffers where the source can read into a buffer. */
function pooledSource(source: WeightSource, pool: FloatBufferPool): WeightSource {
  const readInto = source.readInto?.bind(source);
  return {
    has: (name) => source.has(name),
    shape: (name) => source.shape(name),
    readRows: (name, r0, r1) => source.readRows(name, r0, r1),
    moeMatrix: source.moeMatrix?.bind(source),
    read: async (name) => {
      if (readInto) {
        const buffer = pool.take(size(source.shape(name))) as Float32Array;
        if (await readInto(name, buffer)) return buffer;
        pool.give(buffer);
      }
      return source.read(name);
    },
  };
}

/** Default limit on one mixture-of-experts layer's float32 weights; LAYER_LENS_MAX_MOE_LAYER_GB overrides it. */
const DEFAULT_MOE_LAYER_GB = 4;

function moeLimitBytes(opts: ExecutorOptions): number {
  if (opts.maxMoeLayerBytes !== undefined) return opts.maxMoeLayerBytes;
  const env = Number(process.env.LAYER_LENS_MAX_MOE_LAYER_GB);
  return (Number.isFinite(env) && env > 0 ? env : DEFAULT_MOE_LAYER_GB) * 2 ** 30;
}

export interface ExecutorOptions extends SessionOptions {
  /** The engine whose provider and session cache float32 graphs use (default: getEngine()). */
  engine?: Engine;
  /** float64 exists to check gradients against finite differences; models run in float32. */
  precision?: ElemType;
  /** Read layer ℓ+1's weights while layer ℓ runs (costs one more layer of memory). Default true. */
  prefetch?: boolean;
  /** Rows of lm_head per chunk (default: as many as fit in 64 MiB of float32). */
  vocabChunkRows?: number;
  /**
   * Largest float32 size of one mixture-of-experts layer's weights that may run (every expert is
   * computed on every token and a layer is held whole). Default 4 GiB, or LAYER_LENS_MAX_MOE_LAYER_GB.
   */
  maxMoeLayerBytes?: number;
  /**
   * Read each layer's weights (and lm_head chunk) into the memory of the one before and write weight
   * gradients into reused arrays (bufferPool.ts) instead of fresh allocations. Default true; false
   * gives every layer fresh memory (same results, bit for bit).
   */
  reuseBuffers?: boolean;
}

export interface OutputRequest {
  /** Logits at the last position only (default), at every position, or none. */
  logits?: 'last' | 'all' | 'none';
  /** Hidden states at the L + 1 layer boundaries (embeddings, then after each layer). */
  hiddenStates?: boolean;
  /** Output of each layer's post_attention_layernorm. */
  postAttentionNorm?: boolean;
  /** Output of the final norm, at the positions sent through the head (the last one unless logits 'all' or the LM loss). */
  finalNorm?: boolean;
  /** MLP intermediate silu(gate)·up (the down_proj input) of each layer; in a mixture-of-experts layer, every expert's, [B, E, T, f]. */
  mlpActivations?: boolean;
  /** Per mixture-of-experts layer, the top-k routing choice [B, T, E] (1 selected, 0 not); null for dense layers. */
  expertSelection?: boolean;
}

export interface LayerGradients {
  layer: number;
  /** Weight tensors of the layer as fed (keys like 'self_attn.q_proj.weight'). */
  weights: Record<string, FloatArray>;
  grads: Record<string, FloatArray>;
}

export interface BackwardRequest extends HeadGradientSink {
  objective: Objective;
  /** Called once per layer, from the last layer down, with that layer's weights and gradients. */
  onLayer?: (g: LayerGradients) => void | Promise<void>;
  /**
   * The arrays passed to onLayer are used only during the call (copied if kept), so their memory
   * may be reused for the next layer's weights and gradients instead of fresh memory each layer.
   * Without onLayer the executor reuses them anyway.
   */
  reuseLayerBuffers?: boolean;
}

export interface RunResult {
  batch: number;
  seqLen: number;
  /** [B, Tl, V] with Tl = 1 for 'last' or T for 'all'. */
  logits?: FloatArray;
  hiddenStates?: FloatArray[];
  postAttentionNorm?: FloatArray[];
  finalNorm?: FloatArray;
  mlpActivations?: FloatArray[];
  expertSelection?: Array<FloatArray | null>;
  /** Value of the objective (sum over the batch of max last-position logits, or mean LM loss). */
  objectiveValue?: number;
  /** Token whose logit was maximised, per sequence (max-logit objective). */
  targets?: number[];
  /** ∂objective/∂(embedding output) [B,T,d]. */
  inputGrad?: FloatArray;
}

export class DecoderExecutor {
  readonly elem: ElemType;
  private readonly graphs: ExecutorGraphs;
  /** The block spec of each layer (usually all equal: one graph for every layer). */
  readonly specs: BlockSpec[];

  constructor(
    readonly cfg: DecoderConfig,
    readonly weights: WeightSource,
    readonly options: ExecutorOptions = {},
  ) {
    this.elem = options.precision ?? 'float32';
    this.graphs = new ExecutorGraphs(cfg, this.elem, options);
    this.specs = Array.from({ length: cfg.numLayers }, (_, l) => layerSpec(cfg, (n) => weights.has(n), l));
    if (cfg.moe) {
      const bytes = moeLayerBytes(cfg.moe, cfg.hiddenSize);
      const limit = moeLimitBytes(options);
      if (bytes > limit) {
        const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
        throw new Error(
          `each mixture-of-experts layer of this model holds ${gib(bytes)} of float32 weights and ${moeCostNote(cfg.moe)}; ` +
            `that is above the ${gib(limit)} limit for running a model on the CPU (set LAYER_LENS_MAX_MOE_LAYER_GB to raise it)`,
        );
      }
    }
  }

  /** How the mixture-of-experts layers are computed and what that costs, or null for a dense model. */
  moeCost(): string | null {
    return this.cfg.moe ? moeCostNote(this.cfg.moe) : null;
  }

  /** Bytes of float32 weights of one layer (the streaming unit). */
  layerBytes(layer = this.largestLayer()): number {
    return blockWeights(this.cfg, this.specs[layer]).reduce((s, w) => s + w.dims.reduce((a, b) => a * b, 1) * 4, 0);
  }

  /** The layer with the most weight bytes (an expert layer, in a model that mixes dense and MoE layers). */
  private largestLayer(): number {
    let best = 0;
    this.specs.forEach((s, l) => {
      if (s.moe && !this.specs[best].moe) best = l;
    });
    return best;
  }

  /**
   * Bytes the executor needs beyond the process's baseline for one run: the layer weights in flight
   * (two with prefetch), the kept layer-boundary states, one layer's activations and gradients
   * (a generous count of [B,T,·] intermediates, attention scores included) and one lm_head chunk.
   */
  memoryBudget(B: number, T: number): number {
    const { hiddenSize: d, intermediateSize: ff, numHeads: H, numLayers: L } = this.cfg;
    const el = this.elem === 'float64' ? 8 : 4;
    const weights = ((this.options.prefetch ?? true) ? 2 : 1) * this.layerBytes() * (el / 4);
    const boundaries = (L + 1) * B * T * d * el;
    const moe = this.cfg.moe;
    const experts = moe ? moe.numExperts * (6 * moe.expertSize + 2 * d) + 6 * moe.sharedSize : 0;
    const layerActivations = 3 * B * T * (12 * d + 6 * ff + 4 * H * T + experts) * el;
    const gradients = this.layerBytes() * (el / 4);
    const head = this.vocabChunkRows() * d * el * 2 + B * T * this.cfg.vocabSize * el;
    return weights + boundaries + layerActivations + gradients + head;
  }

  vocabChunkRows(): number {
    return this.options.vocabChunkRows ?? Math.max(1, Math.min(this.cfg.vocabSize, Math.floor((64 << 20) / (4 * this.cfg.hiddenSize))));
  }

  /** A weight in the executor's precision (no copy when it already is). */
  convert(w: FloatArray): FloatArray {
    if (this.elem === 'float64') return w instanceof Float64Array ? w : Float64Array.from(w);
    return w instanceof Float32Array ? w : Float32Array.from(w);
  }

  /** Layer l's weights in the executor's precision; with a pool, read into the pool's float32 buffers where the source can. */
  private async readLayer(l: number, pool?: FloatBufferPool): Promise<Record<string, FloatArray>> {
    const raw = await readLayerWeights(this.cfg, this.specs[l], pool && this.elem === 'float32' ? pooledSource(this.weights, pool) : this.weights, l);
    const out: Record<string, FloatArray> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = this.convert(v);
    return out;
  }

  private checkBatch(batch: number[][]): { B: number; T: number } {
    const B = batch.length;
    if (B === 0) throw new Error('no prompt to run');
    const T = batch[0].length;
    if (T === 0) throw new Error('the prompt has no tokens');
    for (const ids of batch) {
      if (ids.length !== T) throw new Error('all sequences of a batch must have the same length');
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= this.cfg.vocabSize)
          throw new Error(`token id ${id} is outside the vocabulary (0..${this.cfg.vocabSize - 1})`);
      }
    }
    return { B, T };
  }

  private async embed(batch: number[][], T: number): Promise<FloatArray> {
    const d = this.cfg.hiddenSize;
    const x = this.elem === 'float64' ? new Float64Array(batch.length * T * d) : new Float32Array(batch.length * T * d);
    const cache = new Map<number, FloatArray>();
    for (let b = 0; b < batch.length; b++) {
      for (let t = 0; t < T; t++) {
        const id = batch[b][t];
        let row = cache.get(id);
        if (!row) cache.set(id, (row = await this.weights.readRows(this.cfg.names.embed, id, id + 1)));
        x.set(row, (b * T + t) * d);
      }
    }
    if (this.cfg.names.positionEmbed) {
      // GPT-2: learned absolute positions, added to every sequence.
      if (T > this.cfg.maxPositions) throw new Error(`the prompt has ${T} tokens; this model takes at most ${this.cfg.maxPositions}`);
      const wpe = await this.weights.readRows(this.cfg.names.positionEmbed, 0, T);
      for (let b = 0; b < batch.length; b++) for (let i = 0; i < T * d; i++) x[b * T * d + i] += wpe[i];
    }
    return x;
  }

  /** Rotary tables [T, hd] (pass-through dims: cos 1, sin 0), the causal mask [r·T, T] and, with a sliding window, the windowed one. */
  private positional(T: number): { cos?: ort.Tensor; sin?: ort.Tensor; mask: ort.Tensor; windowMask?: ort.Tensor } {
    const { headDim: hd, numHeads, numKvHeads, slidingWindow } = this.cfg;
    const useRope = this.specs.some((s) => s.rope);
    let cos: Float64Array | null = null,
      sin: Float64Array | null = null;
    if (useRope) {
      const tables = ropeTables(ropeFrequencies(this.cfg, T), T);
      cos = new Float64Array(T * hd).fill(1);
      sin = new Float64Array(T * hd);
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < tables.rotDim; j++) {
          cos[t * hd + j] = tables.cos[t * tables.rotDim + j];
          sin[t * hd + j] = tables.sin[t * tables.rotDim + j];
        }
      }
    }
    const r = numHeads / numKvHeads;
    const maskFor = (window: number | null) => {
      const mask = new Float64Array(r * T * T);
      for (let j = 0; j < r; j++) {
        for (let t = 0; t < T; t++) {
          for (let s = 0; s < T; s++) {
            const visible = s <= t && (window === null || s > t - window);
            // A large finite negative rather than −∞: exp underflows to exactly 0 and no ∞·0 = NaN appears in gradients.
            mask[(j * T + t) * T + s] = visible ? 0 : -1e9;
          }
        }
      }
      return tensor(this.elem, mask, [r * T, T]);
    };
    const masks = { mask: maskFor(null), windowMask: slidingWindow !== null && this.specs.some((s) => s.window) ? maskFor(slidingWindow) : undefined };
    return cos && sin ? { cos: tensor(this.elem, cos, [T, hd]), sin: tensor(this.elem, sin, [T, hd]), ...masks } : masks;
  }

  private feeds(
    l: number,
    x: FloatArray,
    B: number,
    T: number,
    pos: ReturnType<DecoderExecutor['positional']>,
    w: Record<string, FloatArray>,
  ): Record<string, ort.Tensor> {
    const f: Record<string, ort.Tensor> = { x: tensor(this.elem, x, [B, T, this.cfg.hiddenSize]), mask: this.specs[l].window ? pos.windowMask! : pos.mask };
    if (this.specs[l].rope) Object.assign(f, { cos: pos.cos!, sin: pos.sin! });
    for (const { key, dims } of blockWeights(this.cfg, this.specs[l])) f[key] = tensor(this.elem, w[key], dims);
    return f;
  }

  /** Runs a batch of equal-length token sequences; with `backward`, also back-propagates the objective. */
  async run(batch: number[][], outputs: OutputRequest = {}, backward?: BackwardRequest, ctx: JobContext = {}): Promise<RunResult> {
    const { B, T } = this.checkBatch(batch);
    const L = this.cfg.numLayers;
    const pos = this.positional(T);
    const prefetch = this.options.prefetch ?? true;
    const boundaries: FloatArray[] = [await this.embed(batch, T)];
    const result: RunResult = { batch: B, seqLen: T };
    if (outputs.postAttentionNorm) result.postAttentionNorm = [];
    if (outputs.mlpActivations) result.mlpActivations = [];
    if (outputs.expertSelection) result.expertSelection = [];
    const fetches = ['y', ...(outputs.postAttentionNorm ? ['post_attn_norm'] : []), ...(outputs.mlpActivations ? ['mlp_act'] : [])];

    // Layers share weight shapes: each layer is read into the memory of the layer before (bufferPool.ts).
    const pool = this.options.reuseBuffers === false ? undefined : new FloatBufferPool(this.elem);
    let next: Promise<Record<string, FloatArray>> | null = this.readLayer(0, pool);
    for (let l = 0; l < L; l++) {
      throwIfCancelled(ctx.signal);
      const w = await next!;
      next = prefetch && l + 1 < L ? this.readLayer(l + 1, pool) : null;
      const session = await this.graphs.blockForward(this.specs[l], B);
      const selection = outputs.expertSelection && this.specs[l].moe !== null;
      const out = await session.run(this.feeds(l, boundaries[l], B, T, pos, w), selection ? [...fetches, 'moe_mask'] : fetches);
      boundaries.push(dataOf(out.y));
      if (result.expertSelection) result.expertSelection.push(selection ? dataOf(out.moe_mask) : null);
      if (result.postAttentionNorm) result.postAttentionNorm.push(dataOf(out.post_attn_norm));
      if (result.mlpActivations) result.mlpActivations.push(dataOf(out.mlp_act));
      pool?.give(...Object.values(w));
      if (!prefetch && l + 1 < L) next = this.readLayer(l + 1, pool);
      ctx.onProgress?.({ done: l + 1, total: backward ? 2 * L + 1 : L + 1, message: `layer ${l + 1}/${L}` });
      await yieldToEventLoop();
    }

    const head = await runHead(this, boundaries[L], B, T, outputs, backward?.objective, batch);
    Object.assign(result, head.result);
    if (outputs.hiddenStates) result.hiddenStates = boundaries;
    if (!backward) return result;

    let gy = await headBackward(this, boundaries[L], B, T, head, backward);
    // Weights and gradients handed to onLayer are reused only where the caller said it does not keep them.
    const backPool = !backward.onLayer || backward.reuseLayerBuffers === true ? pool : undefined;
    next = this.readLayer(L - 1, backPool);
    for (let l = L - 1; l >= 0; l--) {
      throwIfCancelled(ctx.signal);
      const w = await next!;
      next = prefetch && l > 0 ? this.readLayer(l - 1, backPool) : null;
      const session = await this.graphs.blockBackward(this.specs[l], B);
      const feeds = this.feeds(l, boundaries[l], B, T, pos, w);
      feeds.grad_y = tensor(this.elem, gy, [B, T, this.cfg.hiddenSize]);
      const weights = blockWeights(this.cfg, this.specs[l]);
      // With a pool, weight gradients are written into its arrays: onnxruntime fills an output tensor given in fetches.
      const fetches: Record<string, ort.Tensor | null> = { grad_x: null };
      for (const { key, dims } of weights) fetches[`grad_${key}`] = backPool ? tensor(this.elem, backPool.take(size(dims)), dims) : null;
      const out = await session.run(feeds, fetches);
      gy = dataOf(out.grad_x);
      const grads: Record<string, FloatArray> = {};
      for (const { key } of weights) grads[key] = dataOf(fetches[`grad_${key}`] ?? out[`grad_${key}`]);
      if (backward.onLayer) await backward.onLayer({ layer: l, weights: w, grads });
      backPool?.give(...Object.values(w), ...Object.values(grads));
      if (!prefetch && l > 0) next = this.readLayer(l - 1, backPool);
      ctx.onProgress?.({ done: 2 * L + 1 - l, total: 2 * L + 1, message: `backward layer ${l + 1}/${L}` });
      await yieldToEventLoop();
    }
    result.inputGrad = gy;
    return result;
  }

  /** @internal for head.ts */
  sessions(): ExecutorGraphs {
    return this.graphs;
  }

  async release(): Promise<void> {
    await this.graphs.release();
  }
}
