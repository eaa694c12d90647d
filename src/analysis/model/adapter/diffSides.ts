/**
 * The two sides of a checkpoint diff when one of them is a LoRA adapter folder: that side becomes
 * the other side's model with the adapter merged in (merged.ts), so `diff <base> <adapter>` compares
 * the base with base + ΔW. Two adapters, or two models, are opened as they are.
 */
import type { ModelHandle } from '../types';
import { isAdapterFolder } from './findBase';
import { mergeAdapter } from './merged';

export async function openDiffSides(pathA: string, pathB: string, open: (path: string) => Promise<ModelHandle>): Promise<[ModelHandle, ModelHandle]> {
  const [aAdapter, bAdapter] = await Promise.all([isAdapterFolder(pathA), isAdapterFolder(pathB)]);
  if (aAdapter === bAdapter) return [await open(pathA), await open(pathB)];
  if (bAdapter) {
    const a = await open(pathA);
    return [a, mergeAdapter(a, await open(pathB))];
  }
  const b = await open(pathB);
  return [mergeAdapter(b, await open(pathA)), b];
}
