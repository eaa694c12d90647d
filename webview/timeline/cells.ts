/** What the timeline panel draws, as plain data (unit-tested without a browser). */
import { LAYER_METRICS, type CheckpointMetrics, type TimelineMetric } from '../../src/analysis/methods/timeline/names';

/** The values of the chosen metric and kind: one cell per checkpoint and layer. */
export function cellsOf(checkpoints: CheckpointMetrics[], metric: TimelineMetric, kind: string): { step: number; layer: number; value: number }[] {
  const perLayer = LAYER_METRICS.includes(metric);
  return checkpoints.flatMap((c) =>
    c.values
      .filter((v) => v.metric === metric && (perLayer ? v.kind === null : v.kind === kind) && v.value !== null)
      .map((v) => ({ step: c.step, layer: v.layer, value: v.value as number })),
  );
}
