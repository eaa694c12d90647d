/**
 * The headers of a GGUF model split into parts by llama.cpp's gguf-split
 * (tools/gguf-split/gguf-split.cpp, `split_strategy`): every part is a GGUF file of its own whose
 * tensor offsets are relative to its own data section; all key/value metadata is in the first part
 * only; every part carries `split.no` (u16, 0-based), `split.count` (u16) and `split.tensors.count`
 * (i32, the tensors of all parts together) — key names from llama.cpp's `LLM_KV_SPLIT_*`. The parts
 * are found by name beside the one opened (io/gguf/ggufSplitName.ts), as llama.cpp's loader finds
 * them, and each disagreement is an error naming the file it is in.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GgufError, readGgufHeader, type GgufHeader } from '../../io/gguf/ggufHeader';
import { ggufSplitPartName, parseGgufSplitName } from '../../io/gguf/ggufSplitName';
import { guardCachePaths } from '../hfCache';

export const SPLIT_NO = 'split.no';
export const SPLIT_COUNT = 'split.count';
export const SPLIT_TENSORS_COUNT = 'split.tensors.count';

function intKey(h: GgufHeader, key: string): number | undefined {
  const v = h.metadata.get(key)?.value;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new GgufError(h.file, `'${key}' must be an integer, but it is ${typeof v === 'object' ? 'an array' : String(v)}`);
  return v;
}

/** `split.count` of a header: 1 for a file that is not a part of a split model. */
export function splitCountOf(h: GgufHeader): number {
  return Math.max(1, intKey(h, SPLIT_COUNT) ?? 1);
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * The headers of every part, first part first, given the already-read header of the part opened.
 * A file that is not split gives `[opened]`.
 */
export async function readSplitHeaders(opened: GgufHeader): Promise<GgufHeader[]> {
  const count = splitCountOf(opened);
  if (count === 1) return [opened];
  const file = opened.file;
  const no = intKey(opened, SPLIT_NO);
  const name = parseGgufSplitName(basename(file));
  if (!name)
    throw new GgufError(
      file,
      `is part ${no === undefined ? '?' : no + 1} of a model split into ${count} files (split.count), but its name does not end in -0000N-of-${String(count).padStart(5, '0')}.gguf as gguf-split names the parts, so the other parts cannot be found; give the parts the names gguf-split wrote`,
    );
  if (name.count !== count)
    throw new GgufError(file, `is named as one of ${name.count} parts, but its split.count says ${count}; the file was renamed or comes from another split`);
  const paths = Array.from({ length: count }, (_, i) => join(dirname(file), ggufSplitPartName(name.prefix, i + 1, count, name.ext)));
  // Inside a Hugging Face cache snapshot, the other parts are read only where the part opened is.
  await guardCachePaths(dirname(file), paths);
  const present = await Promise.all(paths.map((p, i) => (i === name.part - 1 ? true : isFile(p))));
  const missing = paths.filter((_, i) => !present[i]);
  if (missing.length)
    throw new GgufError(
      missing[0],
      `${missing.length === 1 ? 'is missing' : `and ${missing.length - 1} more part${missing.length > 2 ? 's are' : ' is'} missing`}: ${basename(file)} is one of ${count} parts of a split GGUF model, and every part must be in the same folder (${missing.map((m) => basename(m)).join(', ')})`,
    );
  const headers = await Promise.all(paths.map((p, i) => (i === name.part - 1 ? opened : readGgufHeader(p))));
  checkParts(headers, count, file);
  return headers;
}

/** Every part agrees with the first on the split, is numbered as named, and the tensors add up, once each. */
function checkParts(headers: GgufHeader[], count: number, opened: string): void {
  const first = headers[0];
  const total = intKey(first, SPLIT_TENSORS_COUNT);
  const owner = new Map<string, string>();
  headers.forEach((h, i) => {
    const c = intKey(h, SPLIT_COUNT);
    if (c !== count)
      throw new GgufError(
        h.file,
        c === undefined
          ? `has no split.count, so it is not a part of the split model ${basename(first.file)} belongs to (${count} parts); it comes from another model`
          : `says the model is split into ${c} files, but ${basename(opened)} says ${count}; the parts come from different models`,
      );
    const no = intKey(h, SPLIT_NO);
    if (no !== i)
      throw new GgufError(
        h.file,
        `is named as part ${i + 1} of ${count}, but its split.no says ${no === undefined ? 'nothing' : `part ${no + 1}`}; the file was renamed or comes from another split`,
      );
    const t = intKey(h, SPLIT_TENSORS_COUNT);
    if (t !== total)
      throw new GgufError(
        h.file,
        `says the split model holds ${t ?? 'an unstated number of'} tensors, but ${basename(first.file)} says ${total ?? 'nothing'}; the parts come from different models`,
      );
    for (const tensor of h.tensors) {
      const seen = owner.get(tensor.name);
      if (seen !== undefined)
        throw new GgufError(h.file, `holds tensor '${tensor.name}', which ${basename(seen)} holds too; the parts come from different splits`);
      owner.set(tensor.name, h.file);
    }
  });
  if (total !== undefined && owner.size !== total)
    throw new GgufError(
      first.file,
      `says the split model holds ${total} tensors (split.tensors.count), but its ${count} parts hold ${owner.size}; a part is from another split or damaged`,
    );
}
