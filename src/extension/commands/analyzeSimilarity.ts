/**
 * "Layer Lens: Analyze Layer Similarity": the matrix kind to compare (a QuickPick of the model's
 * kinds, or settings passed as an argument), then the similarity panel of that kind.
 */
import * as vscode from 'vscode';
import type { LayerSimilarityResult } from '../../analysis/methods/similarity/layerSimilarity';
import { similarityCsv } from '../../analysis/methods/similarity/csv';
import { parseSimilaritySettings, type SimilaritySettings } from '../../analysis/methods/similarity/options';
import type { MatrixRole } from '../../analysis/model/types';
import type { LayerLensContext } from '../context';
import { analyzeCommand, openAnalysisPanel, type AnalysisPanelOf } from './analysisCommand';

const KIND_LABELS: Record<MatrixRole, string> = {
  q: 'attention query (q_proj)',
  k: 'attention key (k_proj)',
  v: 'attention value (v_proj)',
  o: 'attention output (o_proj)',
  gate: 'MLP gate (gate_proj)',
  up: 'MLP up (up_proj)',
  down: 'MLP down (down_proj)',
};

/** The paper's headline kind first, so Enter on the QuickPick gives the most telling heatmap. */
const KIND_ORDER: MatrixRole[] = ['up', 'gate', 'down', 'q', 'k', 'v', 'o'];

/** A QuickPick of the kinds this model has, with their layer counts and shapes. */
async function pickKind(ctx: LayerLensContext, model: string): Promise<MatrixRole | undefined> {
  const summary = await ctx.worker.request('model/open', { path: model });
  // `role`, not `kind`: QuickPickItem.kind already means separator-or-not.
  const items: (vscode.QuickPickItem & { role: MatrixRole })[] = KIND_ORDER.flatMap((kind) => {
    const layers = summary.layers.filter((l) => l.roles.some((r) => r.role === kind));
    if (layers.length === 0) return [];
    const shapes = [...new Set(layers.map((l) => l.roles.find((r) => r.role === kind)!.shape.join('×')))];
    return [
      {
        label: kind,
        description: KIND_LABELS[kind],
        detail: `${layers.length} layers · ${shapes.join(', ')}`,
        role: kind,
      },
    ];
  });
  if (items.length === 0) throw new Error(`${model} has no q, k, v, o, gate, up or down matrices Layer Lens recognises.`);
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Layer similarity: which matrices?',
    placeHolder: 'Matrix kind to compare across layers',
  });
  return picked?.role;
}

/** Settings passed by a caller (tests, other commands) as an argument `{ kind, … }`. */
function settingsArgument(args: unknown[]): SimilaritySettings | undefined {
  const found = args.find(
    (a) => typeof a === 'object' && a !== null && !Array.isArray(a) && !(a instanceof vscode.Uri) && typeof (a as { kind?: unknown }).kind === 'string',
  );
  return found === undefined ? undefined : parseSimilaritySettings(found);
}

/** "Layer Lens: Analyze Layer Similarity" — DOCS and baseline heatmaps of one matrix kind. */
export const analyzeSimilarity = analyzeCommand('layerLens.analyzeSimilarity', 'layer similarity needs', async (ctx, model, rest) => {
  let settings = settingsArgument(rest);
  if (!settings) {
    const kind = await pickKind(ctx, model);
    if (!kind) return;
    settings = { kind };
  }
  openAnalysisPanel(ctx, model, similarityPanel(settings));
});

/** The layer-similarity panel with `settings` for its first run. */
export function similarityPanel(settings: SimilaritySettings): AnalysisPanelOf<SimilaritySettings, LayerSimilarityResult> {
  return {
    analysis: 'similarity',
    panel: 'similarity',
    title: 'Layer similarity',
    options: settings,
    parseOptions: parseSimilaritySettings,
    toCsv: similarityCsv,
  };
}
