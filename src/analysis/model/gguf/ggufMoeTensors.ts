/**
 * Checks, before a GGUF mixture-of-experts model runs, that every routed layer stores the tensors
 * llama.cpp's loader requires of it, in the shapes the metadata implies (llama.cpp
 * src/models/<arch>.cpp `load_arch_tensors`: `ffn_gate_inp` {n_embd, n_expert}, `ffn_gate_exps` /
 * `ffn_up_exps` {n_embd, n_ff_exp, n_expert}, `ffn_down_exps` {n_ff_exp, n_embd, n_expert}, and
 * Qwen2-MoE's `ffn_gate_inp_shexp` {n_embd}, `ffn_{gate,up}_shexp` {n_embd, n_ff_shexp},
 * `ffn_down_shexp` {n_ff_shexp, n_embd}; gpt-oss's `ffn_gate_inp.bias` {n_expert} and the experts'
 * biases {n_ff_exp, n_expert} / {n_embd, n_expert}; deepseek2's `exp_probs_b.bias` {n_expert} and shared experts
 * {n_embd, n_ff_exp·n_expert_shared}; ggml's ne reversed to the `[E, out, in]` shapes here).
 * The role map leaves an odd expert tensor out with a note; running would then fail deep in the
 * executor on whichever matrix it read first, so the file is refused here, naming the tensor.
 */
import { ModelFileError } from '../../io/modelFileError';
import type { ModelHandle } from '../types';
import type { MoeConfig } from '../executor/moeConfig';

interface Needed {
  suffix: string;
  what: string;
  shape: number[];
}

/** `fused`: the layer stores gate and up as one `ffn_gate_up_exps` (the converter's --fuse-gate-up-exps). */
function neededTensors(moe: MoeConfig, d: number, fused: boolean): Needed[] {
  const { numExperts: E, expertSize: f, sharedSize: fs } = moe;
  const out: Needed[] = [
    { suffix: 'ffn_gate_inp.weight', what: 'the router', shape: [E, d] },
    ...(fused
      ? [{ suffix: 'ffn_gate_up_exps.weight', what: `the gate and up projections of its ${E} experts`, shape: [E, 2 * f, d] }]
      : [
          { suffix: 'ffn_gate_exps.weight', what: `the gate projections of its ${E} experts`, shape: [E, f, d] },
          { suffix: 'ffn_up_exps.weight', what: `the up projections of its ${E} experts`, shape: [E, f, d] },
        ]),
    { suffix: 'ffn_down_exps.weight', what: `the down projections of its ${E} experts`, shape: [E, d, f] },
  ];
  if (fs > 0)
    out.push(
      { suffix: 'ffn_gate_shexp.weight', what: "the shared expert's gate projection", shape: [fs, d] },
      { suffix: 'ffn_up_shexp.weight', what: "the shared expert's up projection", shape: [fs, d] },
      { suffix: 'ffn_down_shexp.weight', what: "the shared expert's down projection", shape: [d, fs] },
    );
  if (moe.sharedGate) out.push({ suffix: 'ffn_gate_inp_shexp.weight', what: "the shared expert's gate", shape: [d] });
  if (moe.routerBias) out.push({ suffix: 'ffn_gate_inp.bias', what: "the router's bias", shape: [E] });
  // DeepSeek-V3's expert-choice bias e_score_correction_bias (convert_hf_to_gguf.py renames it
  // `e_score_correction.bias`, gguf-py FFN_EXP_PROBS_B). llama.cpp runs without it, but transformers'
  // DeepseekV3TopkRouter always has one, so a file without it has no safetensors original to match.
  if (moe.routing === 'sigmoid_grouped') out.push({ suffix: 'exp_probs_b.bias', what: "the router's expert-choice bias e_score_correction_bias", shape: [E] });
  if (moe.expertAct === 'gpt_oss')
    out.push(
      ...(fused
        ? [{ suffix: 'ffn_gate_up_exps.bias', what: "the experts' gate and up biases", shape: [E, 2 * f] }]
        : [
            { suffix: 'ffn_gate_exps.bias', what: "the experts' gate biases", shape: [E, f] },
            { suffix: 'ffn_up_exps.bias', what: "the experts' up biases", shape: [E, f] },
          ]),
      { suffix: 'ffn_down_exps.bias', what: "the experts' down biases", shape: [E, d] },
    );
  return out;
}

/** ggml drops trailing 1s of ne, so `[1, d]` (a [1, d] PyTorch tensor) and `[d]` are the same tensor to llama.cpp. */
export function sameShape(got: readonly number[], want: readonly number[]): boolean {
  const strip = (s: readonly number[]) => {
    const a = [...s];
    while (a.length > 1 && a[0] === 1) a.shift();
    return a.join(',');
  };
  return strip(got) === strip(want);
}

/** Throws a ModelFileError naming the first routed-layer tensor that is missing or misshapen. */
export function checkGgufMoeTensors(model: ModelHandle, arch: string, moe: MoeConfig, hiddenSize: number): void {
  moe.moeLayers.forEach((routed, l) => {
    if (!routed) return;
    for (const n of neededTensors(moe, hiddenSize, model.tensors.has(`blk.${l}.ffn_gate_up_exps.weight`))) {
      const name = `blk.${l}.${n.suffix}`;
      const e = model.tensors.get(name);
      if (!e)
        throw new ModelFileError(`${model.path}: layer ${l} has no tensor "${name}" (${n.what}), which every layer of a GGUF ${arch} model needs`, model.path);
      if (!sameShape(e.shape, n.shape))
        throw new ModelFileError(
          `${model.path}: tensor "${name}" (${n.what}) has shape [${e.shape.join(', ')}], but the file's metadata implies [${n.shape.join(', ')}]`,
          e.file,
        );
    }
  });
}
