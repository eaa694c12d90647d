/**
 * One decoder layer at a time, for pruning that must see each layer's inputs after the layers
 * before it were pruned (Wanda's sequential calibration). A block graph that also returns the
 * input of each of the seven linear layers (q, k, v, o, gate, up, down) — the tensors Wanda's
 * forward hooks see (locuslab/wanda lib/prune.py, prune_wanda: `register_forward_hook` on every
 * nn.Linear of the layer, `inp[0]`) — and the executor's plain block graph to carry the hidden
 * state on. The executor's embedding, rotary tables, masks and feeds are reused as they are.
 */
import { buildBlock, type BlockSpec } from '../../../model/executor/block';
import type { DecoderExecutor } from '../../../model/executor/decoder';
import { createSession, dataOf, type FloatArray, type ort } from '../../../model/executor/session';
import { TapeOps } from '../../../model/executor/tapeOps';
import { checkpointKey, roleKeys } from '../../../model/executor/arch';
import { specKey } from '../../../model/executor/block';
import type { Value } from '../../../engine/autodiff/index';
import type { MatrixRole } from '../../../model/types';

/** A prunable linear layer of a decoder layer: its role, executor weight key and checkpoint tensor. */
export interface PrunableMatrix {
  role: MatrixRole;
  /** The executor's weight key ('q.weight', …). */
  key: string;
  /** The checkpoint tensor the key is read from. */
  tensor: string;
  rows: number;
  columns: number;
}

/**
 * The seven matrices of a dense Llama-family layer. Fused checkpoints (GPT-2's c_attn, GPT-NeoX's
 * query_key_value), mixture-of-experts and latent-attention layers are refused with the reason.
 */
export function prunableMatrices(ex: DecoderExecutor, layer: number): PrunableMatrix[] {
  const cfg = ex.cfg;
  if (cfg.family !== 'llama') {
    throw new Error(
      `pruning experiments run on Llama-family models (Llama, Mistral, Qwen2, Qwen3); this ${cfg.family === 'gpt2' ? 'GPT-2' : 'GPT-NeoX'} model stores q, k and v in one fused tensor`,
    );
  }
  if (ex.specs[layer].moe || ex.specs[layer].mla) {
    throw new Error(`pruning experiments run on dense layers; layer ${layer} is a ${ex.specs[layer].moe ? 'mixture-of-experts' : 'latent-attention'} layer`);
  }
  const keys = roleKeys(cfg);
  return (['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const).map((role) => {
    const key = keys[role]!;
    const tensor = cfg.names.layer(layer) + checkpointKey(cfg, key)!;
    const [rows, columns] = ex.weights.shape(tensor);
    return { role, key, tensor, rows, columns };
  });
}

/** TapeOps that also outputs the left operand of every product with a named weight (a linear layer's input). */
class LinearInputTape extends TapeOps {
  private readonly transposed = new Map<Value, string>();
  private readonly emitted = new Map<Value, string>();
  /** Weight key → graph output holding its input. */
  readonly outputOf = new Map<string, string>();

  constructor(private readonly keys: ReadonlySet<string>) {
    super('float32', 'block_linear_inputs');
  }

  private weightKey(v: Value): string | undefined {
    const t = this.transposed.get(v);
    if (t) return t;
    for (const k of this.keys) if (this.inputs.get(k) === v) return k;
    return undefined;
  }

  override transpose(a: Value, perm: number[]): Value {
    const out = super.transpose(a, perm);
    const key = this.weightKey(a);
    if (key) this.transposed.set(out, key);
    return out;
  }

  override matmul(a: Value, b: Value): Value {
    const key = this.weightKey(b);
    if (key) {
      let name = this.emitted.get(a);
      if (!name) {
        name = `linear_input_${this.emitted.size}`;
        this.emitted.set(a, name);
        this.output(name, a);
      }
      this.outputOf.set(key, name);
    }
    return super.matmul(a, b);
  }
}

export interface LayerInputs {
  /** The layer's output hidden state [1, T, d]. */
  y: FloatArray;
  /** Weight key → that linear layer's input [1, T, in]. */
  inputs: Map<string, FloatArray>;
}

export class LayerRunner {
  private readonly captures = new Map<string, Promise<{ session: ort.InferenceSession; outputOf: Map<string, string> }>>();
  private readonly positions = new Map<number, unknown>();

  constructor(readonly ex: DecoderExecutor) {
    if (ex.elem !== 'float32') throw new Error('the layer runner needs a float32 executor');
  }

  // The executor's own embedding, positional inputs, weight reads and feeds (private to it, reached
  // here by element access so that this module's graphs are fed exactly as the executor's).
  embed(ids: number[]): Promise<FloatArray> {
    return this.ex['embed']([ids], ids.length);
  }

  readLayer(layer: number): Promise<Record<string, FloatArray>> {
    return this.ex['readLayer'](layer);
  }

  private feeds(layer: number, x: FloatArray, T: number, weights: Record<string, FloatArray>): Record<string, ort.Tensor> {
    let pos = this.positions.get(T) as ReturnType<DecoderExecutor['positional']> | undefined;
    if (!pos) this.positions.set(T, (pos = this.ex['positional'](T)));
    return this.ex['feeds'](layer, x, 1, T, pos, weights);
  }

  private capture(spec: BlockSpec, keys: string[]) {
    const sig = `${specKey(spec)}:${keys.join(',')}`;
    let c = this.captures.get(sig);
    if (!c) {
      const g = new LinearInputTape(new Set(keys));
      buildBlock(g, this.ex.cfg, spec);
      const missing = keys.filter((k) => !g.outputOf.has(k));
      if (missing.length) throw new Error(`internal: the block graph has no product with ${missing.join(', ')}`);
      c = createSession(g.toBytes(), 'float32', this.ex.options).then((session) => ({ session, outputOf: g.outputOf }));
      this.captures.set(sig, c);
    }
    return c;
  }

  /** Runs layer `layer` on x [1, T, d] and returns its output and the inputs of the linear layers `keys`. */
  async inputs(layer: number, x: FloatArray, T: number, weights: Record<string, FloatArray>, keys: string[]): Promise<LayerInputs> {
    const { session, outputOf } = await this.capture(this.ex.specs[layer], keys);
    const names = [...new Set(outputOf.values())];
    const out = await session.run(this.feeds(layer, x, T, weights), ['y', ...names]);
    return { y: dataOf(out.y), inputs: new Map(keys.map((k) => [k, dataOf(out[outputOf.get(k)!])])) };
  }

  /** Runs layer `layer` on x [1, T, d] with the given weights: its output [1, T, d]. */
  async forward(layer: number, x: FloatArray, T: number, weights: Record<string, FloatArray>): Promise<FloatArray> {
    const session = await this.ex.sessions().blockForward(this.ex.specs[layer]);
    const out = await session.run(this.feeds(layer, x, T, weights), ['y']);
    return dataOf(out.y);
  }

  async release(): Promise<void> {
    const all = [...this.captures.values()];
    this.captures.clear();
    for (const c of all) await (await c).session.release();
  }
}
