/**
 * The options of a LoRA adapter analysis and their one validator (worker request, panel re-run,
 * command line): only well-formed values pass, anything else is an Error naming the option.
 */
import { isObject, optionReader } from '../common/options';

export interface AdapterOptions {
  /** The base model (a folder or .safetensors file) to compare ΔW with. */
  base?: string;
  /** Without `base`: look for the base named by adapter_config.json (default true). */
  findBase?: boolean;
}

const read = optionReader('adapter');

export function parseAdapterOptions(raw: unknown): AdapterOptions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new Error('adapter options must be an object');
  const out: AdapterOptions = {};
  if (read.present(raw, 'base')) {
    if (typeof raw.base !== 'string' || raw.base.trim() === '') read.fail('base', 'the path of the base model');
    out.base = raw.base as string;
  }
  const find = read.boolean(raw, 'findBase');
  if (find !== undefined) out.findBase = find;
  return out;
}
