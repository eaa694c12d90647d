/**
 * adapter_config.json of a PEFT LoRA adapter, read into what Layer Lens needs: the rank and alpha of
 * each module and its scaling. Fields and defaults as PEFT's `tuners/lora/config.py` `LoraConfig`
 * (`r` 8, `lora_alpha` 8, `use_rslora` false, `fan_in_fan_out` false, `use_dora` false); per-module
 * rank and alpha as `tuners/lora/model.py` `_create_and_replace`: the first key of `rank_pattern` /
 * `alpha_pattern` that matches the module name by `utils/other.py` `get_pattern_key`
 * (`re.match(rf"(.*\.)?({key})$", name)`), else `r` / `lora_alpha`; scaling `lora_alpha / r`, or
 * `lora_alpha / √r` with rsLoRA (`LoraLayer.update_layer`).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelFileError } from '../../io/modelFileError';
import { readJsonFile } from '../../io/readBytes';
import { guardCachePaths } from '../hfCache';

export const ADAPTER_CONFIG = 'adapter_config.json';
/** PEFT's saved tensor names start with the PeftModel's `base_model.model.` (get_peft_model_state_dict). */
export const PEFT_PREFIX = 'base_model.model.';

export interface AdapterConfig {
  peftType: string;
  r: number;
  alpha: number;
  rsLora: boolean;
  fanInFanOut: boolean;
  dora: boolean;
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
  /** A list of module names, a regular expression (one string), or null. */
  targetModules: string[] | string | null;
  modulesToSave: string[];
  baseModel: string | null;
}

function positiveNumber(v: unknown, integer: boolean): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v));
}

function patternOf(raw: unknown, field: string, integer: boolean, file: string): Record<string, number> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ModelFileError(`${ADAPTER_CONFIG}: '${field}' must be an object of module patterns`, file);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!positiveNumber(v, integer))
      throw new ModelFileError(
        `${ADAPTER_CONFIG}: '${field}' gives '${k}' the value ${JSON.stringify(v)}, not a positive ${integer ? 'integer' : 'number'}`,
        file,
      );
    out[k] = v as number;
  }
  return out;
}

/** Validates a parsed adapter_config.json. */
export function parseAdapterConfig(raw: unknown, file: string): AdapterConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ModelFileError(`${ADAPTER_CONFIG} must be a JSON object`, file);
  const c = raw as Record<string, unknown>;
  const r = c.r ?? 8;
  const alpha = c.lora_alpha ?? 8;
  if (!positiveNumber(r, true)) throw new ModelFileError(`${ADAPTER_CONFIG}: 'r' is ${JSON.stringify(c.r)}, not a positive integer`, file);
  if (!positiveNumber(alpha, false))
    throw new ModelFileError(`${ADAPTER_CONFIG}: 'lora_alpha' is ${JSON.stringify(c.lora_alpha)}, not a positive number`, file);
  const tm = c.target_modules;
  const targetModules = typeof tm === 'string' ? tm : Array.isArray(tm) ? tm.filter((x): x is string => typeof x === 'string') : null;
  const mts = c.modules_to_save;
  return {
    peftType: typeof c.peft_type === 'string' ? c.peft_type : 'LORA',
    r: r as number,
    alpha: alpha as number,
    rsLora: c.use_rslora === true,
    fanInFanOut: c.fan_in_fan_out === true,
    dora: c.use_dora === true,
    rankPattern: patternOf(c.rank_pattern, 'rank_pattern', true, file),
    alphaPattern: patternOf(c.alpha_pattern, 'alpha_pattern', false, file),
    targetModules,
    modulesToSave: Array.isArray(mts) ? mts.filter((x): x is string => typeof x === 'string') : [],
    baseModel: typeof c.base_model_name_or_path === 'string' && c.base_model_name_or_path !== '' ? c.base_model_name_or_path : null,
  };
}

/** adapter_config.json of `folder`, or null when there is none. */
export async function readAdapterConfig(folder: string): Promise<AdapterConfig | null> {
  const file = join(folder, ADAPTER_CONFIG);
  try {
    if (!(await stat(file)).isFile()) return null;
  } catch {
    return null;
  }
  await guardCachePaths(folder, [file]);
  return parseAdapterConfig(await readJsonFile(file, `${ADAPTER_CONFIG} in ${folder}`, 1024 * 1024), file);
}

/** PEFT's get_pattern_key: the first pattern key `k` with `name` matching `(.*\.)?(k)$`, else null. */
export function patternKey(keys: readonly string[], name: string): string | null {
  for (const key of keys) {
    let re: RegExp;
    try {
      re = new RegExp(`^(.*\\.)?(${key})$`);
    } catch {
      continue;
    }
    if (re.test(name)) return key;
  }
  return null;
}

/** Rank, alpha and scaling of module `name` (PEFT's module name, without `base_model.model.`). */
export function moduleScaling(cfg: AdapterConfig, name: string): { rank: number; alpha: number; scaling: number } {
  const rk = patternKey(Object.keys(cfg.rankPattern), name);
  const ak = patternKey(Object.keys(cfg.alphaPattern), name);
  const rank = rk === null ? cfg.r : cfg.rankPattern[rk];
  const alpha = ak === null ? cfg.alpha : cfg.alphaPattern[ak];
  return { rank, alpha, scaling: cfg.rsLora ? alpha / Math.sqrt(rank) : alpha / rank };
}
