/**
 * What an analysis panel's webview learns of the model's structure with its `init` message
 * (src/protocol/panel.ts PanelModelInfo): whether any layer is a mixture of experts, so that the
 * similarity, correlations and diff panels offer their Expert field only where it means something.
 * The source is the worker's header-only model summary (`model/open`, the same model the panel's
 * run opens, kept open by the worker): its `experts` section is present exactly when some layer has
 * routed experts (src/analysis/model/overview.ts expertsOf).
 */
import type { PanelModelInfo } from '../../protocol/panel';

/** The panel kinds whose options have an Expert field (webview/common/expertField.ts). */
const EXPERT_FIELD_PANELS: ReadonlySet<string> = new Set(['similarity', 'correlations', 'diff']);

/** Whether a panel of this kind draws options by the model's structure (and so is worth a `model/open`). */
export function wantsModelInfo(panel: string): boolean {
  return EXPERT_FIELD_PANELS.has(panel);
}

/** The part of the worker's model summary this needs. */
export interface OpenedModel {
  experts?: unknown;
}

/**
 * The structure of the models a panel shows (a diff shows two): MoE when any of them has expert
 * layers; dense when every one opened without any; undefined (unknown) when none has experts but
 * some could not be opened, so the panel keeps its Expert field rather than hide it on a guess.
 */
export async function describeModels(paths: readonly string[], open: (path: string) => Promise<OpenedModel>): Promise<PanelModelInfo | undefined> {
  // async: an `open` that throws at once counts as a model that did not open.
  const opened = await Promise.allSettled(paths.map(async (p) => open(p)));
  if (opened.some((o) => o.status === 'fulfilled' && o.value.experts !== undefined)) return { moe: true };
  if (opened.length > 0 && opened.every((o) => o.status === 'fulfilled')) return { moe: false };
  return undefined;
}
