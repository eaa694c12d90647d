/**
 * File names of a split GGUF model. llama.cpp's gguf-split (tools/gguf-split/gguf-split.cpp) writes
 * the parts of `PREFIX` as `PREFIX-00001-of-00003.gguf`, … (`llama_split_path`, format
 * `"%s-%05d-of-%05d.gguf"` with the 0-based split number plus one), and the loader finds the other
 * parts from the first one's name the same way (`llama_split_prefix`).
 */

export interface GgufSplitName {
  /** The name before `-00001-of-00003.gguf`. */
  prefix: string;
  /** 1-based part number. */
  part: number;
  count: number;
  /** The extension as written (`.gguf`, any case). */
  ext: string;
}

const SPLIT_NAME = /^(.+)-(\d{5})-of-(\d{5})(\.gguf)$/i;

/** The parts of a split file name, or null when `name` is not one (or its numbers are impossible). */
export function parseGgufSplitName(name: string): GgufSplitName | null {
  const m = SPLIT_NAME.exec(name);
  if (!m) return null;
  const part = Number(m[2]);
  const count = Number(m[3]);
  if (part < 1 || count < 1 || part > count) return null;
  return { prefix: m[1], part, count, ext: m[4] };
}

/** The file name of part `part` (1-based) of `count`. */
export function ggufSplitPartName(prefix: string, part: number, count: number, ext = '.gguf'): string {
  const five = (n: number) => String(n).padStart(5, '0');
  return `${prefix}-${five(part)}-of-${five(count)}${ext}`;
}

/**
 * When `names` (the .gguf files of one folder) are all parts of one split model, the name of its
 * first part (which need not be among them: opening it then names the missing parts); otherwise
 * null, as for a folder of several whole models.
 */
export function singleGgufSplitSet(names: readonly string[]): string | null {
  const parsed = names.map(parseGgufSplitName);
  const first = parsed[0];
  if (!first || parsed.some((p) => !p || p.prefix !== first.prefix || p.count !== first.count || p.ext !== first.ext)) return null;
  return ggufSplitPartName(first.prefix, 1, first.count, first.ext);
}
