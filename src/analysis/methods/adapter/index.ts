/**
 * LoRA adapter analysis (docs/adapters.md): rank, scaling, norms, stable rank and singular values of
 * every module's update ΔW = scaling·B·A, and with the base model its size relative to W, cos(ΔW, W)
 * and DOCS(ΔW, W).
 */
import type { Analysis } from '../analysis';
import { adapterCli } from './cli';
import { ADAPTER_TIDY_COLUMNS, adapterCsv, adapterTidyRows } from './csv';
import { runAdapter, type AdapterResult } from './adapter';
import { parseAdapterOptions, type AdapterOptions } from './options';

export const adapter = {
  id: 'adapter',
  summary: 'LoRA adapter: rank, norms, stable rank and singular values of each module’s ΔW, and how it compares with the base weight',
  parseOptions: parseAdapterOptions,
  run: (model, options, ctx) => runAdapter(model, options, ctx),
  toCsv: adapterCsv,
  tidy: { columns: ADAPTER_TIDY_COLUMNS, rows: adapterTidyRows },
  cli: adapterCli,
} as const satisfies Analysis<'adapter', AdapterOptions, AdapterResult, never>;
