/**
 * Encoder-decoder models (config.json `is_encoder_decoder: true`: BART, mBART, Marian, Pegasus, T5,
 * Whisper, …). Both stacks are found and named; neither is mapped as the layers, because every
 * analysis here works on one decoder-only stack whose layers feed each other, and a decoder layer of
 * these models also attends to the encoder (BART's `encoder_attn`, T5's `layer.1.EncDecAttention`).
 * The overview lists each stack layer by layer (components.ts), and the note says why nothing runs.
 *
 * Stack names, from transformers: BartEncoder/BartDecoder `layers` under `model.encoder` /
 * `model.decoder` (models/bart/modeling_bart.py), T5Stack `block` under `encoder` / `decoder`
 * (models/t5/modeling_t5.py; a T5Block's `layer.0` is self-attention, a decoder's `layer.1`
 * cross-attention, `layer[-1]` the feed-forward).
 */
import type { LayerInfo, OtherRole } from '../types';
import { otherRoleOf, readGeometry } from '../roles';
import type { ArchitectureInput, ArchitectureResult } from './result';

/** `P` → layer indices of every `P.N.` stack whose prefix ends in `encoder.<layers|block…>` or `decoder.<…>`. */
function stacksOf(names: Iterable<string>): Map<string, Set<number>> {
  const stacks = new Map<string, Set<number>>();
  for (const n of names) {
    const m = /^(.*?(?:^|\.)(?:encoder|decoder)\.(?:layers|layer|block|blocks))\.(\d+)\./.exec(n);
    if (!m) continue;
    let set = stacks.get(m[1]);
    if (!set) stacks.set(m[1], (set = new Set()));
    set.add(Number(m[2]));
  }
  return stacks;
}

export function mapEncoderDecoder(input: ArchitectureInput, architecture: string, label: string): ArchitectureResult {
  const names = [...input.tensors.keys()];
  const stacks = [...stacksOf(names).entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const listed = stacks.map(([p, s]) => `\`${p}\` (${s.size} layers)`).join(' and ');
  const notes = [
    stacks.length
      ? `${label} is an encoder-decoder model: its stacks ${listed} are listed as their own groups. The analyses work on one decoder-only layer stack, so no layers are mapped and they do not run on this model.`
      : `${label} is an encoder-decoder model, but no encoder or decoder layer stack was found in its tensor names; no layers are mapped.`,
  ];
  const otherRoles = new Map<string, OtherRole>();
  for (const n of names) otherRoles.set(n, otherRoleOf(n));
  const layers: LayerInfo[] = [];
  const g = readGeometry(input.config);
  return {
    architecture,
    architectureLabel: label,
    hiddenSize: g.hiddenSize,
    intermediateSize: g.intermediateSize,
    vocabSize: g.vocabSize,
    attention: undefined,
    layers,
    otherRoles,
    notes,
  };
}
