/**
 * The parts of a model that are not its decoder layer stack, told apart by name: a multimodal
 * wrapper's vision tower, multimodal projector and audio tower, and an encoder-decoder model's two
 * stacks. The architecture maps never take a layer stack inside a vision/audio tower or projector for
 * the decoder layers (findLayerPrefix in roles.ts), and the overview lists each part as its own group.
 *
 * The module names are those of the Hugging Face wrappers, in both save formats (`vision_tower.*` and
 * `model.vision_tower.*`): LlavaForConditionalGeneration, Gemma3ForConditionalGeneration and
 * Mistral3ForConditionalGeneration (`vision_tower`, `multi_modal_projector`, their
 * `_checkpoint_conversion_mapping`), Qwen2-VL/Qwen2.5-VL (`visual`, whose `merger` is its projector),
 * Llama 4 (`vision_model`, `multi_modal_projector`), Idefics3/SmolVLM (`vision_model`, `connector`).
 */

/** A part of the model outside the decoder layers. */
export type ComponentKind = 'vision' | 'projector' | 'audio';

/** Tried in this order: Qwen2-VL's projector (`visual.merger`) lives inside its vision module. */
const COMPONENTS: [ComponentKind, RegExp][] = [
  ['projector', /(^|\.)(multi_modal_projector|mm_projector|connector|vision_language_adapter|visual\.merger)(\.|$)/],
  ['vision', /(^|\.)(vision_tower|vision_model|visual|vision_encoder|image_encoder)(\.|$)/],
  ['audio', /(^|\.)(audio_tower|audio_model|audio_encoder)(\.|$)/],
];
const DISPLAY_ORDER: ComponentKind[] = ['vision', 'projector', 'audio'];

const TITLES: Record<ComponentKind, string> = { vision: 'Vision tower', projector: 'Multimodal projector', audio: 'Audio tower' };

/** The multimodal part a tensor name (or a name prefix) lies in, if any. */
export function componentOf(name: string): ComponentKind | undefined {
  return COMPONENTS.find(([, re]) => re.test(name))?.[0];
}

/** One group of the overview's tensor tree. */
export interface ComponentGroup {
  key: string;
  title: string;
  names: string[];
}

/** A numbered layer of an encoder or decoder stack: `…encoder.layers.3.…`, `…decoder.block.3.…` (T5). */
const STACK_LAYER = /(^|\.)(encoder|decoder)\.(layers|layer|block|blocks)\.(\d+)\./;
/** Any tensor of an encoder or decoder stack, e.g. `model.encoder.embed_positions.weight`. */
const STACK_PART = /(^|\.)(encoder|decoder)\./;

/** Distinct layer indices of a stack (`.layers.N.`, `.blocks.N.`, `.h.N.`) among `names`. */
function layerCount(names: string[]): number {
  const seen = new Set<string>();
  for (const n of names) {
    const m = /(^|\.)(layers|layer|blocks|block|h)\.(\d+)\./.exec(n);
    if (m) seen.add(m[3]);
  }
  return seen.size;
}

/**
 * Splits the tensors outside the decoder layers into the model's other parts and the rest: the
 * vision tower, projector and audio tower (one group each), then, when a numbered encoder or decoder
 * stack lies outside the mapped layers (an encoder-decoder model such as BART or T5), one group per
 * layer of that stack and one for its other tensors (embeddings, final norm).
 */
export function componentGroups(outside: readonly string[]): { groups: ComponentGroup[]; rest: string[] } {
  const byKind = new Map<ComponentKind, string[]>();
  let rest: string[] = [];
  for (const n of outside) {
    const kind = componentOf(n);
    if (!kind) rest.push(n);
    else if (byKind.has(kind)) byKind.get(kind)!.push(n);
    else byKind.set(kind, [n]);
  }
  const groups: ComponentGroup[] = [];
  for (const kind of DISPLAY_ORDER) {
    const names = byKind.get(kind);
    if (!names) continue;
    const layers = layerCount(names);
    groups.push({ key: kind, title: layers ? `${TITLES[kind]} (${layers} layers)` : TITLES[kind], names });
  }
  for (const side of ['encoder', 'decoder'] as const) {
    const perLayer = new Map<number, string[]>();
    for (const n of rest) {
      const m = STACK_LAYER.exec(n);
      if (!m || m[2] !== side) continue;
      const index = Number(m[4]);
      if (perLayer.has(index)) perLayer.get(index)!.push(n);
      else perLayer.set(index, [n]);
    }
    if (perLayer.size === 0) continue;
    const Side = side === 'encoder' ? 'Encoder' : 'Decoder';
    const inStack = new Set<string>();
    for (const [index, names] of [...perLayer.entries()].sort((a, b) => a[0] - b[0])) {
      groups.push({ key: `${side}-layer-${index}`, title: `${Side} layer ${index}`, names });
      for (const n of names) inStack.add(n);
    }
    const others = rest.filter((n) => !inStack.has(n) && STACK_PART.exec(n)?.[2] === side);
    if (others.length) groups.push({ key: side, title: `${Side}: embeddings and norms`, names: others });
    for (const n of others) inStack.add(n);
    rest = rest.filter((n) => !inStack.has(n));
  }
  return { groups, rest };
}
