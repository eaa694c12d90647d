/**
 * The weight-file formats Layer Lens opens, by extension: safetensors and llama.cpp's GGUF. One
 * list, so the editor's selector, file dialogs, watchers and checks agree on what a model file is.
 */
import { extname } from 'node:path';

export const MODEL_FILE_EXTENSIONS = ['safetensors', 'gguf'] as const;

/** True for a path ending in `.safetensors` or `.gguf` (any case). */
export function isModelFile(p: string): boolean {
  return (MODEL_FILE_EXTENSIONS as readonly string[]).includes(extname(p).slice(1).toLowerCase());
}

/** File-dialog filters for model files. */
export const MODEL_FILE_FILTERS: Record<string, string[]> = { 'Model files': [...MODEL_FILE_EXTENSIONS] };

/** A glob matching the model files of one folder: `{*.safetensors,*.gguf}`. */
export const MODEL_FILE_GLOB = `{${MODEL_FILE_EXTENSIONS.map((e) => `*.${e}`).join(',')}}`;
