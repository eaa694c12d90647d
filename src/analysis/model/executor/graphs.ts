/**
 * The executor's compiled graphs, built once per block layout and reused for every layer:
 * block forward, block forward + backward (recompute), head forward and head backward. The
 * session signature carries every size a graph bakes in, so models of different shapes never share one.
 */
import { GemmTapeOps, TapeOps } from './tapeOps';
import { buildBlock, buildHead, blockWeights, specKey, type BlockSpec } from './block';
import { createSession, type SessionOptions, type ort } from './session';
import { getEngine, type Engine } from '../../engine/engine';
import type { DecoderConfig } from './config';
import type { ElemType } from './ops';

export class ExecutorGraphs {
  /** float64 sessions (gradient checks): CPU only, kept here rather than in the engine's cache. */
  private readonly local = new Map<string, Promise<ort.InferenceSession>>();
  private engine: Promise<Engine> | null;
  private readonly signature: string;

  constructor(
    private readonly cfg: DecoderConfig,
    private readonly elem: ElemType,
    private readonly sessionOptions: SessionOptions & { engine?: Engine },
  ) {
    this.engine = sessionOptions.engine ? Promise.resolve(sessionOptions.engine) : null;
    // Everything a block graph bakes in; weights, rope tables and masks are inputs.
    const c = cfg;
    // Latent attention bakes its factor sizes and softmax scale in; MoE sizes are in each spec's key.
    const mla = c.mla ? `:mla${c.mla.qLoraRank}/${c.mla.kvLoraRank}/${c.mla.nope}/${c.mla.rope}/${c.mla.vHead}/${+c.mla.interleave}/${c.mla.scaling}` : '';
    this.signature = `executor:${c.family}:${c.hiddenSize}:${c.intermediateSize}:${c.numHeads}:${c.numKvHeads}:${c.headDim}:${c.normEps}:${c.partialRotaryFactor}${mla}`;
  }

  /** The engine's provider and threads (float32 graphs), or null while none was needed. */
  async engineInUse(): Promise<Engine | null> {
    return this.engine;
  }

  private get(key: string, build: () => Uint8Array): Promise<ort.InferenceSession> {
    if (this.elem === 'float32') {
      // Float32 graphs share the engine's provider choice and session cache with every other kernel.
      this.engine ??= getEngine({ threads: this.sessionOptions.threads });
      return this.engine.then((e) => e.session(`${this.signature}:${key}`, build));
    }
    let s = this.local.get(key);
    if (!s) {
      s = createSession(build(), this.elem, this.sessionOptions);
      this.local.set(key, s);
    }
    return s;
  }

  /** The layer graph for `batch` sequences (baked in: its linear layers are 2-D Gemms, tapeOps.ts GemmTapeOps). */
  blockForward(spec: BlockSpec, batch = 1): Promise<ort.InferenceSession> {
    return this.get(`fwd:${specKey(spec)}:b${batch}`, () => {
      const g = new GemmTapeOps(this.elem, 'block_forward', batch);
      buildBlock(g, this.cfg, spec);
      return g.toBytes();
    });
  }

  /** Inputs: those of the forward block plus `grad_y`; outputs: `grad_x` and `grad_<weight key>` for every weight. */
  blockBackward(spec: BlockSpec, batch = 1): Promise<ort.InferenceSession> {
    return this.get(`bwd:${specKey(spec)}:b${batch}`, () => {
      const g = new GemmTapeOps(this.elem, 'block_backward', batch);
      const { hidden } = buildBlock(g, this.cfg, spec);
      g.backward(hidden, 'grad_y', ['x', ...blockWeights(this.cfg, spec).map((w) => w.key)]);
      return g.toBytes();
    });
  }

  headForward(norm: 'rms' | 'layer'): Promise<ort.InferenceSession> {
    return this.get(`head:fwd:${norm}`, () => {
      const g = new TapeOps(this.elem, 'head_forward');
      buildHead(g, this.cfg, norm);
      return g.toBytes();
    });
  }

  /** Inputs: x, norm, (norm_bias), head, grad_logits; outputs: grad_x, grad_norm, (grad_norm_bias), grad_head. */
  headBackward(norm: 'rms' | 'layer'): Promise<ort.InferenceSession> {
    return this.get(`head:bwd:${norm}`, () => {
      const g = new TapeOps(this.elem, 'head_backward');
      const { logits } = buildHead(g, this.cfg, norm);
      g.backward(logits, 'grad_logits', ['x', 'norm', 'norm_bias', 'head']);
      return g.toBytes();
    });
  }

  /** Releases the float64 sessions; float32 ones belong to the engine's cache, which evicts them. */
  async release(): Promise<void> {
    const all = [...this.local.values()];
    this.local.clear();
    for (const s of all) await (await s).release();
  }
}
