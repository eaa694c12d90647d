/**
 * A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) opened as its updates:
 * each module's `lora_A` `[r, in]` and `lora_B` `[out, r]` become one entry named like the base
 * weight (`model.layers.0.self_attn.q_proj.weight`) that reads as ΔW = scaling · B·A (io/quant/lora.ts).
 *
 * Names as PEFT saves them (`utils/save_and_load.py` `get_peft_model_state_dict`): the PeftModel's
 * `base_model.model.` prefix, the base module's name, then `lora_A.weight` / `lora_B.weight` (the
 * adapter name removed), `lora_embedding_A` / `lora_embedding_B` for embeddings (`Embedding`,
 * parameters without `.weight`), `lora_magnitude_vector` (DoRA, one value per output row),
 * `lora_B.bias` (`lora_bias`), and whole weights of `modules_to_save` under the module's own name.
 * The prefix is removed from every name, so `modules_to_save` weights read as the full weights they are.
 */
import { ModelFileError } from '../../io/modelFileError';
import type { LoraParams } from '../../io/quant/lora';
import { moduleScaling, PEFT_PREFIX, readAdapterConfig, type AdapterConfig } from '../adapter/config';
import { findAdapterBase } from '../adapter/findBase';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TensorEntry } from '../types';

interface ModuleParts {
  A?: TensorEntry;
  B?: TensorEntry;
  embA?: TensorEntry;
  embB?: TensorEntry;
  magnitude?: TensorEntry;
  bias?: TensorEntry;
}

const LINEAR = /^(.*)\.lora_(A|B)(?:\.[\w-]+)?\.weight$/;
const EMBEDDING = /^(.*)\.lora_embedding_(A|B)(?:\.[\w-]+)?$/;
const MAGNITUDE = /^(.*)\.lora_magnitude_vector(?:\.[\w-]+)?(?:\.weight)?$/;
const BIAS = /^(.*)\.lora_B(?:\.[\w-]+)?\.bias$/;

/** True when a tensor name is a LoRA factor (any of PEFT's LoRA parameter names). */
export function isLoraTensorName(name: string): boolean {
  return LINEAR.test(name) || EMBEDDING.test(name) || MAGNITUDE.test(name) || BIAS.test(name);
}

function stripPrefix(name: string): string {
  return name.startsWith(PEFT_PREFIX) ? name.slice(PEFT_PREFIX.length) : name;
}

function elements(t: TensorEntry): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

function formatCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n);
}

/** The modules' parts by module name (prefix removed), in first-seen order. */
function groupParts(tensors: Map<string, TensorEntry>): Map<string, ModuleParts> {
  const modules = new Map<string, ModuleParts>();
  const at = (m: string) => modules.get(m) ?? modules.set(m, {}).get(m)!;
  for (const [name, t] of tensors) {
    let m: RegExpExecArray | null;
    if ((m = LINEAR.exec(name))) at(stripPrefix(m[1]))[m[2] as 'A' | 'B'] = t;
    else if ((m = EMBEDDING.exec(name))) at(stripPrefix(m[1]))[m[2] === 'A' ? 'embA' : 'embB'] = t;
    else if ((m = MAGNITUDE.exec(name))) at(stripPrefix(m[1])).magnitude = t;
    else if ((m = BIAS.exec(name))) at(stripPrefix(m[1])).bias = t;
  }
  return modules;
}

/** Why a module's factors cannot form ΔW, or null. `a` is `[r, q]`, `b` `[p, r]`. */
function factorProblem(module: string, a: TensorEntry, b: TensorEntry, expectedRank: number | null, what: [string, string]): string | null {
  if (a.shape.length !== 2) return `LoRA module '${module}': ${what[0]} '${a.name}' has shape [${a.shape.join(', ')}], not [r, in]`;
  if (b.shape.length !== 2) return `LoRA module '${module}': ${what[1]} '${b.name}' has shape [${b.shape.join(', ')}], not [out, r]`;
  if (a.shape[0] !== b.shape[1])
    return `LoRA module '${module}': ${what[0]} has rank ${a.shape[0]} ([${a.shape.join(', ')}]) but ${what[1]} has rank ${b.shape[1]} ([${b.shape.join(', ')}])`;
  if (expectedRank !== null && a.shape[0] !== expectedRank)
    return `LoRA module '${module}': its factors have rank ${a.shape[0]} but adapter_config.json gives it r = ${expectedRank}`;
  return null;
}

/** The ΔW entry of one module: parts [A, B] (+ the DoRA magnitude), shape [out, in] (transposed: [in, out]). */
function deltaEntry(module: string, a: TensorEntry, b: TensorEntry, params: LoraParams, magnitude: TensorEntry | undefined): TensorEntry {
  const ok = params.error === undefined;
  const shape = params.transpose ? [a.shape[1] ?? 0, b.shape[0] ?? 0] : [b.shape[0] ?? 0, a.shape[1] ?? 0];
  return {
    name: `${module}.weight`,
    dtype: 'F32',
    shape,
    file: a.file,
    dataStart: a.dataStart,
    byteLength: a.byteLength + b.byteLength + (magnitude?.byteLength ?? 0),
    fileStamp: a.fileStamp,
    quant: {
      scheme: 'lora',
      label: ok ? `LoRA ΔW r${params.rank}` : 'LoRA ΔW (inconsistent factors)',
      params: { ...params },
      parts: magnitude ? [a, b, magnitude] : [a, b],
    },
  };
}

function describeTargets(cfg: AdapterConfig | null, modules: string[]): string {
  if (cfg && typeof cfg.targetModules === 'string') return `target_modules /${cfg.targetModules}/`;
  const list = cfg && Array.isArray(cfg.targetModules) && cfg.targetModules.length ? cfg.targetModules : [...new Set(modules.map((m) => m.split('.').pop()!))];
  return `target modules ${list.join(', ')}`;
}

/** The quantized-storage pass (its context is the part of quantized/index.ts QuantizedStorageContext it reads). */
export async function loraPass(ctx: {
  folder: string;
  tensors: Map<string, TensorEntry>;
  notes: Set<string>;
  config: Record<string, unknown> | null;
}): Promise<void> {
  const { tensors, notes } = ctx;
  let any = false;
  for (const name of tensors.keys())
    if (isLoraTensorName(name)) {
      any = true;
      break;
    }
  if (!any) return;
  const cfg = await readAdapterConfig(ctx.folder);
  if (cfg && cfg.peftType !== 'LORA') notes.add(`adapter_config.json says peft_type ${cfg.peftType}; only its LoRA factors (lora_A, lora_B) are read.`);
  if (!cfg) notes.add('No adapter_config.json beside the LoRA weights: r and lora_alpha are unknown, so ΔW is shown as B·A with scaling 1.');
  if (!ctx.config) ctx.config = await baseConfig(ctx.folder, notes);
  const modules = groupParts(tensors);
  const out = new Map<string, TensorEntry>();
  const problems: string[] = [];
  const formed: string[] = [];
  const doraModules: string[] = [];
  const biasModules: string[] = [];
  let trainable = 0;
  const scalings = new Set<string>();
  const ranks = new Set<number>();
  const consumed = new Set<string>();
  for (const [module, p] of modules) {
    for (const t of [p.A, p.B, p.embA, p.embB, p.magnitude, p.bias]) if (t) trainable += elements(t);
    if (p.bias) biasModules.push(module);
    const embedding = p.embA !== undefined || p.embB !== undefined;
    const a = embedding ? p.embA : p.A;
    const b = embedding ? p.embB : p.B;
    const what: [string, string] = embedding ? ['lora_embedding_A', 'lora_embedding_B'] : ['lora_A', 'lora_B'];
    if (!a || !b) {
      if (a || b) {
        const has = a ? what[0] : what[1];
        problems.push(
          `LoRA module '${module}' has ${has} (${(a ?? b)!.name}) but no ${a ? what[1] : what[0]}: its ΔW cannot be formed and the tensor is listed as stored.`,
        );
      }
      continue;
    }
    const s = cfg ? moduleScaling(cfg, module) : { rank: a.shape[0], alpha: a.shape[0], scaling: 1 };
    const error = factorProblem(module, a, b, cfg ? s.rank : null, what) ?? undefined;
    if (error) problems.push(`${error}; reading its ΔW fails.`);
    const params: LoraParams = {
      scaling: s.scaling,
      rank: error ? s.rank : a.shape[0],
      alpha: s.alpha,
      transpose: embedding || (cfg?.fanInFanOut ?? false),
      ...(error ? { error } : {}),
      ...(p.magnitude ? { dora: true } : {}),
    };
    const entry = deltaEntry(module, a, b, params, p.magnitude);
    if (tensors.has(entry.name) || out.has(entry.name)) {
      problems.push(`LoRA module '${module}': the adapter also stores a whole '${entry.name}', so its factors are listed as stored.`);
      continue;
    }
    for (const t of [a, b, p.magnitude]) if (t) consumed.add(t.name);
    out.set(entry.name, entry);
    formed.push(module);
    if (p.magnitude) doraModules.push(module);
    if (!error) {
      ranks.add(params.rank);
      scalings.add(`${params.alpha}/${cfg?.rsLora ? '√' : ''}${params.rank} = ${+params.scaling.toPrecision(6)}`);
    }
  }
  // Rebuild the map: ΔW entries where their first factor was, every other tensor under its name without PEFT's prefix.
  const rebuilt = new Map<string, TensorEntry>();
  const placed = new Set<string>();
  for (const [name, t] of tensors) {
    if (consumed.has(name)) {
      const m = LINEAR.exec(name) ?? EMBEDDING.exec(name) ?? MAGNITUDE.exec(name);
      const key = m ? `${stripPrefix(m[1])}.weight` : '';
      const e = out.get(key);
      if (e && !placed.has(key)) {
        rebuilt.set(key, e);
        placed.add(key);
      }
      continue;
    }
    const plain = stripPrefix(name);
    if (rebuilt.has(plain) || (plain !== name && tensors.has(plain)))
      throw new ModelFileError(`tensor '${name}' and '${plain}' are the same weight once PEFT's '${PEFT_PREFIX}' prefix is removed`, t.file);
    rebuilt.set(plain, plain === name ? t : { ...t, name: plain });
  }
  tensors.clear();
  for (const [k, v] of rebuilt) tensors.set(k, v);
  if (formed.length) {
    const rank = ranks.size === 1 ? `r ${[...ranks][0]}` : `ranks ${[...ranks].sort((x, y) => x - y).join(', ')}`;
    const alpha = cfg ? `, lora_alpha ${cfg.alpha}${Object.keys(cfg.alphaPattern).length ? ' (alpha_pattern for some modules)' : ''}` : '';
    const rs = cfg?.rsLora ? ', rsLoRA (scaling alpha/√r)' : '';
    const base = cfg?.baseModel ? `; base model ${cfg.baseModel}` : '';
    notes.add(
      `LoRA adapter: ΔW = scaling·B·A of ${formed.length} modules (${describeTargets(cfg, formed)}), ${rank}${alpha}${rs}, scaling ${[...scalings].join('; ')}; ${formatCount(trainable)} trainable parameters in the adapter${base}.`,
    );
  }
  if (cfg?.fanInFanOut) notes.add('fan_in_fan_out: the base stores these weights [in, out] (Conv1D), so ΔW is (B·A)ᵀ, laid out like the base weight.');
  if (doraModules.length)
    notes.add(
      `DoRA: ${doraModules.length} modules carry a magnitude vector. The matrices shown for the adapter are the LoRA part scaling·B·A only; the DoRA weight m·(W + ΔW)/‖W + ΔW‖ (per output row) needs the base and is what the adapter merged into its base reads as.`,
    );
  if (biasModules.length) notes.add(`lora_bias: ${biasModules.length} modules also train a bias (lora_B.bias); those biases are listed as stored.`);
  if (cfg?.modulesToSave.length) notes.add(`modules_to_save: ${cfg.modulesToSave.join(', ')} are stored whole (full weights, not updates).`);
  for (const p of problems.slice(0, 10)) notes.add(p);
  if (problems.length > 10) notes.add(`… and ${problems.length - 10} more LoRA modules with inconsistent factors.`);
}

/**
 * The base model's config.json when the adapter's base is found (its path, a folder beside the
 * adapter, or the Hugging Face cache: findBase.ts), so the adapter's ΔW get the base's role map (a
 * fused or unusual naming the generic grouping cannot read); null otherwise.
 */
async function baseConfig(folder: string, notes: Set<string>): Promise<Record<string, unknown> | null> {
  const { found } = await findAdapterBase(folder).catch(() => ({ found: null }));
  if (!found) return null;
  try {
    const value = JSON.parse(await readFile(join(found.path, 'config.json'), 'utf8')) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    notes.add(`Layers and roles are mapped with the base model's config.json (${found.path}).`);
    return value as Record<string, unknown>;
  } catch {
    return null;
  }
}
