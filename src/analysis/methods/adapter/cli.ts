/**
 * The LoRA adapter analysis on the command line: `layer-lens adapter <adapter> [--base <model>]
 * [--no-base] [--json|--csv]` — its flags, their mapping to one run, and the module table it prints.
 */
import type { AnalysisCli } from '../analysis';
import { stringOption, UsageError } from '../common/cliArgs';
import type { AdapterResult } from './adapter';

function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v)
    ? '–'
    : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
      ? v.toExponential(2)
      : v.toFixed(digits);
}

/** One line per module: rank, scaling, norms, stable rank and, with the base, the comparison. */
export function formatAdapter(r: AdapterResult): string {
  const withBase = r.base !== null;
  const name = r.model.split(/[\\/]/).filter(Boolean).pop() ?? r.model;
  const lines = [
    `${name} · ${r.modules.length} LoRA modules · ${r.seconds.toFixed(2)} s`,
    r.base
      ? `base: ${r.base.path} (${r.base.how === 'given' ? 'given' : `found by ${r.base.how}`})`
      : r.baseNotFound
        ? `base: '${r.baseNotFound}' (adapter_config.json) was not found here; give it with --base to compare ΔW with W`
        : 'base: none (give one with --base to compare ΔW with W)',
    ...r.notes.map((n) => `note: ${n}`),
    '',
  ];
  const width = Math.max(6, ...r.modules.map((m) => m.module.length));
  const head = ['module'.padEnd(width), 'r'.padStart(4), 'scale'.padStart(8), '‖ΔW‖F'.padStart(10), '‖ΔW‖2'.padStart(10), 'st.rank'.padStart(8)];
  if (withBase) head.push('‖ΔW‖/‖W‖'.padStart(10), 'cos'.padStart(8), 'DOCS'.padStart(7));
  lines.push(head.join(' '));
  for (const m of r.modules) {
    const cells = [
      m.module.padEnd(width),
      String(m.rank).padStart(4),
      fmt(m.scaling, 3).padStart(8),
      fmt(m.fro).padStart(10),
      fmt(m.spectral).padStart(10),
      fmt(m.stableRank, 2).padStart(8),
    ];
    if (withBase) cells.push(fmt(m.relativeFro).padStart(10), fmt(m.cosine).padStart(8), fmt(m.docs, 3).padStart(7));
    lines.push(cells.join(' ') + (m.reason ? `   (${m.reason})` : ''));
  }
  return lines.join('\n');
}

export const adapterCli: AnalysisCli<AdapterResult> = {
  usage: '<adapter> [--base <model>] [--no-base] [--json|--csv]',
  options: {
    base: {
      type: 'string',
      value: 'MODEL',
      help: "the base model to compare ΔW with (default: adapter_config.json's base_model_name_or_path when found locally)",
    },
    'no-base': { type: 'boolean', help: 'do not look for the base model: the update alone' },
  },
  toOptions(values) {
    const base = stringOption(values, 'base');
    if (base !== undefined && values['no-base'] === true) throw new UsageError('--base and --no-base exclude each other');
    return [{ ...(base !== undefined ? { base } : {}), ...(values['no-base'] === true ? { findBase: false } : {}) }];
  },
  format: (results) => results.map(formatAdapter).join('\n\n') + '\n',
};
