/**
 * The model overview as plain text for `layer-lens inspect`: the same sections as the model editor
 * (architecture, configuration, quantization, parameters by dtype and role, tensors by layer).
 */
import type { CountRow, ModelExperts, ModelOverview } from '../model/overview';
import { quantSchemeFacts } from '../model/quantScheme';

export function formatCount(n: number): string {
  if (n < 10_000) return String(n);
  for (const [scale, unit] of [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ] as const)
    if (n >= scale) return `${(n / scale).toPrecision(3)}${unit}`;
  return String(n);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

/** Left-aligned text columns, right-aligned numeric ones. */
function table(header: string[], rows: string[][], numeric: boolean[]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function shareTable(title: string, rows: CountRow[], total: number, withBytes: boolean): string[] {
  return table(
    withBytes ? [title, 'params', 'share', 'size'] : [title, 'params', 'share'],
    rows.map((r) => {
      const pct = (100 * r.params) / Math.max(1, total);
      const cells = [r.label, formatCount(r.params), pct > 0 && pct < 0.1 ? '<0.1%' : `${pct.toFixed(1)}%`];
      if (withBytes) cells.push(r.bytes === undefined ? '-' : formatBytes(r.bytes));
      return cells;
    }),
    [false, true, true, true],
  );
}

export function overviewText(o: ModelOverview, opts: { tensors?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`${o.path}`);
  out.push(
    `${o.architecture}${o.label && o.label !== o.architecture ? ` (${o.label})` : ''} · ${formatCount(o.totalParams)} parameters · ${formatBytes(o.totalBytes)} · ${o.tensorCount} tensors · ${o.layerCount} layers · ${o.fileCount} file${o.fileCount === 1 ? '' : 's'}`,
  );
  for (const n of o.notes) out.push(`note: ${n}`);
  if (o.config.length) {
    out.push('', 'Configuration');
    const w = Math.max(...o.config.map(([k]) => k.length));
    for (const [k, v] of o.config) out.push(`  ${k.padEnd(w)}  ${v}`);
  }
  if (o.quantization) {
    const facts = quantSchemeFacts(o.quantization);
    const w = Math.max(...facts.map(([k]) => k.length));
    out.push('', 'Quantization', ...facts.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`));
  }
  out.push('', 'Parameters by dtype', ...shareTable('dtype', o.byDtype, o.totalParams, true).map((l) => `  ${l}`));
  out.push('', 'Parameters by role', ...shareTable('role', o.byRole, o.totalParams, false).map((l) => `  ${l}`));
  out.push('', 'Layers');
  // Roles in the order of the role table (q k v o gate up down, then the rest).
  const rank = new Map(o.byRole.map((r, i) => [r.label, i]));
  // An expert tensor's role (`expert 3 up`, `experts gate+up`, `shared down`) counts as its bucket.
  const bucket = (r: string) => (/^experts? /.test(r) ? ['experts'] : /^shared /.test(r) ? ['shared expert'] : r.split('+'));
  const rolesOf = (roles: (string | undefined)[]) =>
    [...new Set(roles.flatMap((r) => (r ? bucket(r) : [])))].sort((a, b) => (rank.get(a) ?? 99) - (rank.get(b) ?? 99)).join(' ');
  const layerRows = o.groups.map((g) => [
    g.title,
    String(g.tensors.length),
    formatCount(g.params),
    formatBytes(g.bytes),
    rolesOf(g.tensors.map((t) => t.role)),
  ]);
  out.push(...table(['group', 'tensors', 'params', 'size', 'roles'], layerRows, [false, true, true, true, false]).map((l) => `  ${l}`));
  if (o.experts) out.push('', ...expertsText(o.experts, o.layerCount));
  if (opts.tensors) {
    for (const g of o.groups) {
      out.push('', g.title);
      out.push(
        ...table(
          ['tensor', 'role', 'shape', 'dtype', 'size'],
          g.tensors.map((t) => [
            t.name,
            t.role ?? '',
            `[${t.shape.join(', ')}]`,
            t.decodable === false ? `${t.dtype} (not decodable)` : t.dtype,
            formatBytes(t.bytes),
          ]),
          [false, false, false, false, true],
        ).map((l) => `  ${l}`),
      );
    }
  }
  return out.join('\n');
}

const shape = (s: [number, number] | undefined) => (s ? `[${s.join(', ')}]` : '-');

/** The mixture-of-experts layers: expert count, one expert's gate/up/down shapes, the shared expert, the router. */
function expertsText(e: ModelExperts, layerCount: number): string[] {
  const rows = e.rows.map((r) => [
    String(r.layer),
    String(r.count),
    `${shape(r.shapes.gate)} ${shape(r.shapes.up)} ${shape(r.shapes.down)}`,
    r.shared ? `${r.sharedCount ? `${r.sharedCount} as one: ` : ''}${shape(r.shared.gate)} ${shape(r.shared.up)} ${shape(r.shared.down)}` : '-',
    r.router ? shape(r.router.shape) : '-',
    String(r.tensors),
    formatCount(r.params),
  ]);
  return [
    `Experts (${e.layers.length} of ${layerCount} layers are mixture-of-experts; the others have a dense MLP)`,
    ...table(['layer', 'experts', 'expert gate up down [out, in]', 'shared expert', 'router', 'tensors', 'params'], rows, [
      true,
      true,
      false,
      false,
      false,
      true,
      true,
    ]).map((l) => `  ${l}`),
  ];
}
