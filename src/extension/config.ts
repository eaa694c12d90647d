/**
 * The one place that reads Layer Lens settings. Everything else receives a LayerLensConfig, so a
 * setting's name, default and validation live here only.
 */
import * as vscode from 'vscode';
import type { WorkerConfig } from '../protocol/workerConfig';
import { parseColorScheme, type ColorSchemeName } from '../protocol/colorScheme';

export interface LayerLensConfig {
  /** Execution providers to try, in order; the first that starts is used. */
  executionProviders: string[];
  /** Working memory for blocked kernels, MiB. */
  memoryBudgetMB: number;
  /** V8 heap limit of the worker process, MiB (weights live outside it, in ArrayBuffers). */
  workerMaxOldSpaceMB: number;
  /** Histogram bins for tensor statistics in the model editor. */
  histogramBins: number;
  /** Largest size of the finished-result cache on disk, MiB; the least recently used results go first. */
  cacheMaxMB: number;
}

const SECTION = 'layerLens';
const KNOWN_PROVIDERS = new Set(['cuda', 'webgpu', 'cpu']);

export function readConfig(): LayerLensConfig {
  const c = vscode.workspace.getConfiguration(SECTION);
  const providers = c.get<unknown>('executionProviders');
  const executionProviders = Array.isArray(providers) ? providers.filter((p): p is string => typeof p === 'string' && KNOWN_PROVIDERS.has(p)) : [];
  return {
    executionProviders: executionProviders.length ? executionProviders : ['cuda', 'webgpu', 'cpu'],
    memoryBudgetMB: positive(c.get<number>('memoryBudgetMB'), 4096),
    workerMaxOldSpaceMB: positive(c.get<number>('workerMaxOldSpaceMB'), 4096),
    histogramBins: Math.min(1024, Math.round(positive(c.get<number>('histogramBins'), 64))),
    cacheMaxMB: positive(c.get<number>('cacheMaxMB'), 2048),
  };
}

function positive(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

export function workerConfigOf(config: LayerLensConfig): WorkerConfig {
  return { executionProviders: config.executionProviders, memoryBudgetMB: config.memoryBudgetMB };
}

/** Calls `listener` with the new configuration whenever a Layer Lens setting changes. */
export function onConfigChange(listener: (config: LayerLensConfig) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(readConfig());
  });
}

/**
 * The persistence settings (layerLens.persistence.neighbours and .cliqueDimension): k and the clique
 * dimension of the first run, each `fallback`'s where unset or outside its declared range.
 */
export function readPersistenceConfig(fallback: { k: number; maxDim: number }): { k: number; maxDim: number } {
  const c = vscode.workspace.getConfiguration(`${SECTION}.persistence`);
  const integerIn = (v: unknown, lo: number, hi: number, otherwise: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : otherwise;
  return {
    k: integerIn(c.get('neighbours'), 1, 100, fallback.k),
    maxDim: integerIn(c.get('cliqueDimension'), 2, 5, fallback.maxDim),
  };
}

/**
 * layerLens.persistence.maxPrunedShare: the largest share of the decoder layers a pruning
 * suggestion removes, `fallback` where unset or outside (0, 1).
 */
export function readPersistenceMaxPrunedShare(fallback: number): number {
  const v = vscode.workspace.getConfiguration(`${SECTION}.persistence`).get<unknown>('maxPrunedShare');
  return typeof v === 'number' && v > 0 && v < 1 ? v : fallback;
}

/** layerLens.colorScheme: the plots' colours, "theme" where unset or unknown (webview/common/colorScheme.ts). */
export function readColorScheme(): ColorSchemeName {
  return parseColorScheme(vscode.workspace.getConfiguration(SECTION).get<unknown>('colorScheme'));
}
