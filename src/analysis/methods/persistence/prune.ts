/**
 * Writes a copy of a model folder without some decoder layers: one model.safetensors holding every
 * kept tensor's bytes unchanged (dtype preserved), the layers after a removed one renumbered, and
 * config.json with the new layer count (and per-layer lists such as `layer_types` cut to match).
 * Tokenizer and generation files are copied. The original folder is only read.
 */
import { copyFile, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { throwIfCancelled, type JobContext } from '../../jobs';
import type { ModelHandle, TensorEntry } from '../../model/types';
import { renumberLayerSettings } from './pruneConfig';

/** Files besides the weights that a pruned copy needs to load and tokenize like the original. */
const COPIED_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
];
/** config.json keys that hold the number of decoder layers, by architecture family. */
const LAYER_COUNT_KEYS = ['num_hidden_layers', 'n_layer', 'num_layers'];

export interface PruneReport {
  outDir: string;
  removedLayers: number[];
  keptLayers: number;
  tensors: number;
  bytes: number;
}

/** The name of a layer tensor after renumbering: `…layers.7.mlp…` → `…layers.5.mlp…`. */
export function renumberedName(name: string, oldIndex: number, newIndex: number, suffix?: string): string {
  if (suffix !== undefined) {
    const tail = `${oldIndex}.${suffix}`;
    if (name.endsWith(tail)) return name.slice(0, name.length - tail.length) + `${newIndex}.${suffix}`;
  }
  const re = new RegExp(`(^|\\.)${oldIndex}\\.`);
  if (!re.test(name)) throw new Error(`cannot find layer index ${oldIndex} in tensor name ${name}`);
  return name.replace(re, `$1${newIndex}.`);
}

export async function writePrunedModel(model: ModelHandle, removeLayers: number[], outDir: string, ctx: JobContext = {}): Promise<PruneReport> {
  if (model.kind !== 'folder' || !model.config) throw new Error('pruning needs a model folder with a config.json (to write the new layer count)');
  const L = model.layers.length;
  const remove = [...new Set(removeLayers)].sort((a, b) => a - b);
  if (remove.some((l) => !Number.isInteger(l) || l < 0 || l >= L))
    throw new Error(`layers to remove must be integers in 0..${L - 1}, got ${removeLayers.join(', ')}`);
  if (remove.length === 0) throw new Error('no layer to remove');
  if (remove.length >= L) throw new Error('cannot remove every decoder layer');
  const out = resolve(outDir);
  const src = resolve(model.path);
  const rel = relative(src, out);
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'))) throw new Error(`the pruned copy must go outside the original model folder (${src})`);
  await mkdir(out, { recursive: true });
  const existing = (await readdir(out)).filter((f) => !f.startsWith('.'));
  if (existing.length > 0) throw new Error(`the output folder ${out} is not empty: choose an empty or new folder`);

  // Tensor plan: [source entry, output name] in a stable order (non-layer tensors, then layers).
  const layerOf = new Map<string, number>();
  model.layers.forEach((info, l) => info.tensors.forEach((t) => layerOf.set(t, l)));
  const suffixOf = new Map<string, string>();
  for (const info of model.layers) for (const [s, n] of Object.entries(info.suffixes ?? {})) suffixOf.set(n, s);
  const newIndex = new Map<number, number>();
  for (let l = 0, k = 0; l < L; l++) if (!remove.includes(l)) newIndex.set(l, k++);
  const plan: Array<[TensorEntry, string]> = [];
  for (const [name, entry] of model.tensors) {
    const l = layerOf.get(name);
    if (l === undefined) plan.push([entry, name]);
    else if (newIndex.has(l)) plan.push([entry, renumberedName(name, l, newIndex.get(l)!, suffixOf.get(name))]);
  }

  const header: Record<string, unknown> = { __metadata__: { ...model.metadata, format: 'pt', pruned_layers: remove.join(',') } };
  let offset = 0;
  for (const [e, name] of plan) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.byteLength] };
    offset += e.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8); // 8-byte aligned data, as torch writes it
  const head = new TextEncoder().encode(json);
  const fh = await open(join(out, 'model.safetensors'), 'w');
  const writeAll = async (b: Uint8Array) => {
    for (let done = 0; done < b.byteLength;) done += (await fh.write(b, done, b.byteLength - done)).bytesWritten;
  };
  try {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(head.length), true);
    await writeAll(len);
    await writeAll(head);
    const CHUNK = 16 << 20;
    for (const [i, [e]] of plan.entries()) {
      throwIfCancelled(ctx.signal);
      const source = await open(e.file, 'r');
      try {
        for (let pos = 0; pos < e.byteLength; pos += CHUNK) {
          const n = Math.min(CHUNK, e.byteLength - pos);
          const buf = new Uint8Array(n);
          const { bytesRead } = await source.read(buf, 0, n, e.dataStart + pos);
          if (bytesRead !== n) throw new Error(`${e.file} ended early while copying ${e.name}`);
          await writeAll(buf);
        }
      } finally {
        await source.close();
      }
      ctx.onProgress?.({ done: i + 1, total: plan.length, message: `copying ${e.name}` });
    }
  } finally {
    await fh.close();
  }

  const config: Record<string, unknown> = JSON.parse(await readFile(join(src, 'config.json'), 'utf8'));
  let counted = false;
  for (const key of LAYER_COUNT_KEYS) {
    if (typeof config[key] === 'number') {
      config[key] = L - remove.length;
      counted = true;
    }
  }
  if (!counted) throw new Error(`config.json has none of ${LAYER_COUNT_KEYS.join(', ')}: cannot write the new layer count`);
  for (const [key, v] of Object.entries(config)) {
    if (Array.isArray(v) && v.length === L && key.startsWith('layer')) config[key] = v.filter((_, l) => !remove.includes(l));
  }
  renumberLayerSettings(config, L, remove);
  await writeFile(join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  for (const f of COPIED_FILES) {
    const from = join(src, f);
    if (
      await stat(from).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      await copyFile(from, join(out, basename(f)));
  }
  return { outDir: out, removedLayers: remove, keptLayers: L - remove.length, tensors: plan.length, bytes: offset };
}
