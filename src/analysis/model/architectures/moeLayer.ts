/**
 * The mixture-of-experts part of one layer: which of its tensors are routed experts (one tensor per
 * expert and matrix, or one `[E, …]` tensor holding every expert), the shared expert and the
 * router's companions; each expert's gate/up/down as `[out, in]` references cut exactly as the
 * family's forward pass reads them; and what is wrong (a missing expert, an odd shape), said with
 * the tensor's name. The matrices that are wrong are left out; the rest of the layer stays usable.
 */
import {
  EXPERT_ROLES,
  type ExpertMatrices,
  type ExpertRole,
  type MoeLayerInfo,
  type MoeTensorRole,
  type RoleMatrixRef,
  type TensorEntry,
  type TensorRole,
} from '../types';
import type { ExpertLayout, FusedExpertsSpec, MoeSpec } from './types';

export interface MoeLayerResult {
  moe?: MoeLayerInfo;
  /** Tensor name → role, for every tensor of the layer this claimed. */
  claimed: Map<string, TensorRole>;
  /** How many routed experts the layer stores and which tensor says so (for the count checks). */
  count?: { experts: number; witness: string };
}

interface Piece {
  role: ExpertRole;
  rows?: [number, number];
  rowStep?: number;
}

/** The rows of an `[out, in]` matrix with `rows` rows that each role of `layout` takes, or why it cannot be cut. */
export function expertPieces(layout: ExpertLayout, rows: number, tensor: string): Piece[] | string {
  if (layout === 'gate' || layout === 'up' || layout === 'down') return [{ role: layout }];
  if (rows % 2 !== 0) return `'${tensor}' has ${rows} output rows per expert, which do not divide into gate and up`;
  if (layout === 'gate_up_halves')
    return [
      { role: 'gate', rows: [0, rows / 2] },
      { role: 'up', rows: [rows / 2, rows] },
    ];
  return [
    { role: 'gate', rows: [0, rows], rowStep: 2 },
    { role: 'up', rows: [1, rows], rowStep: 2 },
  ];
}

function pieceRows(p: Piece, rows: number): number {
  if (!p.rows) return rows;
  return Math.ceil((p.rows[1] - p.rows[0]) / (p.rowStep ?? 1));
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** `table[key]` only when it is the table's own entry: a tensor named `…experts.0.constructor` claims nothing. */
export function own<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Expert matrices cut from one 2-D `[out, in]` tensor (a per-expert tensor or the shared expert's). */
function fromMatrix(
  index: number,
  name: string,
  entry: TensorEntry,
  layout: ExpertLayout,
  expert: number | 'shared',
  notes: Set<string>,
): RoleMatrixRef<ExpertRole>[] {
  if (entry.shape.length !== 2) {
    notes.add(`Layer ${index}: '${name}' has shape ${shapeText(entry.shape)}, not a matrix; it is left out of the experts.`);
    return [];
  }
  const [rows, cols] = entry.shape;
  const pieces = expertPieces(layout, rows, name);
  if (typeof pieces === 'string') {
    notes.add(`Layer ${index}: ${pieces}; it is left out of the experts.`);
    return [];
  }
  return pieces.map((p) => ({
    role: p.role,
    layer: index,
    shape: [pieceRows(p, rows), cols],
    source: { tensor: name, transpose: false, rows: p.rows, rowStep: p.rowStep },
    expert,
  }));
}

/** `[E, a, b]` of a fused experts tensor (MXFP4 blocks `[E, a, groups, 16]` hold `[E, a, groups·32]`), or why not. */
function fusedShape(name: string, entry: TensorEntry, spec: FusedExpertsSpec, scales: TensorEntry | undefined): [number, number, number] | string {
  if (spec.mxfp4Scales) {
    if (entry.dtype !== 'U8' || entry.shape.length !== 4 || entry.shape[3] !== 16)
      return `'${name}' is ${entry.dtype} ${shapeText(entry.shape)}, not MXFP4 blocks U8 [experts, rows, groups, 16]`;
    if (!scales) return `'${name}' has no MXFP4 scales tensor beside it`;
    if (scales.shape.join() !== entry.shape.slice(0, 3).join())
      return `MXFP4 scales '${scales.name}' are ${shapeText(scales.shape)}, but '${name}' needs ${shapeText(entry.shape.slice(0, 3))}`;
    return [entry.shape[0], entry.shape[1], entry.shape[2] * 32];
  }
  if (entry.shape.length !== 3 || entry.shape[0] < 1) return `'${name}' has shape ${shapeText(entry.shape)}, not [experts, rows, columns]`;
  return [entry.shape[0], entry.shape[1], entry.shape[2]];
}

/**
 * Whether an expert's stored `[a, b]` is `[in, out]`: gate/up read the hidden state (their input is
 * the hidden size), down writes it (its output is). Undefined when the hidden size is unknown or on
 * neither side; where both sides are the hidden size, transformers' own `[out, in]` is taken.
 */
function transposedByShape(layout: ExpertLayout, a: number, b: number, hidden: number | undefined): boolean | undefined {
  if (hidden === undefined) return undefined;
  // The side that is the hidden size when the matrix is stored [out, in], and when it is stored [in, out].
  const [straight, swapped] = layout === 'down' ? [a, b] : [b, a];
  if (straight === hidden) return false;
  if (swapped === hidden) return true;
  return undefined;
}

/** Every expert's matrices cut from one `[E, a, b]` tensor. */
function fromFused(
  index: number,
  name: string,
  entry: TensorEntry,
  spec: FusedExpertsSpec,
  scales: TensorEntry | undefined,
  notes: Set<string>,
  hiddenSize: number | undefined,
): RoleMatrixRef<ExpertRole>[][] {
  const shape = fusedShape(name, entry, spec, scales);
  if (typeof shape === 'string') {
    notes.add(`Layer ${index}: ${shape}; it is left out of the experts.`);
    return [];
  }
  const [E, a, b] = shape;
  const transposed = spec.transposed === 'byShape' ? transposedByShape(spec.layout, a, b, hiddenSize) : spec.transposed;
  if (transposed === undefined) {
    notes.add(
      `Layer ${index}: '${name}' is [${entry.shape.join(', ')}], and neither side of its experts' matrices is the hidden size (${hiddenSize ?? 'not in config.json'}), so its orientation is unknown; it is left out of the experts.`,
    );
    return [];
  }
  const [rows, cols] = transposed ? [b, a] : [a, b];
  const pieces = expertPieces(spec.layout, rows, name);
  if (typeof pieces === 'string') {
    notes.add(`Layer ${index}: ${pieces}; it is left out of the experts.`);
    return [];
  }
  const out: RoleMatrixRef<ExpertRole>[][] = [];
  for (let e = 0; e < E; e++)
    out.push(
      pieces.map((p) => ({
        role: p.role,
        layer: index,
        shape: [pieceRows(p, rows), cols] as [number, number],
        source: {
          tensor: name,
          transpose: transposed,
          expert: e,
          rows: p.rows,
          rowStep: p.rowStep,
          ...(scales ? { mxfp4: { scales: scales.name } } : {}),
        },
        expert: e,
      })),
    );
  return out;
}

/**
 * Drops matrices whose shape differs from the one most experts of the layer have for that role, and
 * checks that gate, up and down fit together (`gate`, `up`: `[F, d]`; `down`: `[d, F]`).
 */
function checkShapes(index: number, experts: ExpertMatrices[], notes: Set<string>): void {
  const usual = new Map<ExpertRole, string>();
  for (const role of EXPERT_ROLES) {
    const counts = new Map<string, number>();
    const key = (ref: RoleMatrixRef<ExpertRole>) => `${ref.shape[0]},${ref.shape[1]}`;
    for (const x of experts) {
      const ref = x[role];
      if (ref) counts.set(key(ref), (counts.get(key(ref)) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const [s, c] of counts) if (best === undefined || c > counts.get(best)!) best = s;
    if (best !== undefined) usual.set(role, best);
    if (counts.size <= 1) continue;
    experts.forEach((x, e) => {
      const ref = x[role];
      if (ref && key(ref) !== best) {
        notes.add(
          `Layer ${index}: expert ${e}'s ${role} ('${ref.source.tensor}') is [${ref.shape.join(', ')}] while the layer's other experts' are [${best!.split(',').join(', ')}]; it is left out.`,
        );
        delete x[role];
      }
    });
  }
  const gate = usual.get('gate')?.split(',').map(Number);
  const up = usual.get('up')?.split(',').map(Number);
  const down = usual.get('down')?.split(',').map(Number);
  const name = (role: ExpertRole) => experts.find((x) => x[role])?.[role]?.source.tensor;
  if (gate && up && gate.join() !== up.join())
    notes.add(
      `Layer ${index}: the experts' gate ('${name('gate')}') is [${gate.join(', ')}] but their up ('${name('up')}') is [${up.join(', ')}]; they must match.`,
    );
  const inner = gate ?? up;
  if (inner && down && (down[0] !== inner[1] || down[1] !== inner[0]))
    notes.add(
      `Layer ${index}: the experts' down ('${name('down')}') is [${down.join(', ')}], which does not undo gate/up [${inner.join(', ')}] (expected [${inner[1]}, ${inner[0]}]).`,
    );
}

/** The shared expert's gate/up/down, with the same fit check as the routed experts. */
function sharedExpert(
  index: number,
  found: [string, ExpertLayout][],
  tensors: ReadonlyMap<string, TensorEntry>,
  notes: Set<string>,
): ExpertMatrices | undefined {
  if (!found.length) return undefined;
  const shared: ExpertMatrices = {};
  for (const [name, layout] of found) for (const ref of fromMatrix(index, name, tensors.get(name)!, layout, 'shared', notes)) shared[ref.role] = ref;
  const { gate, up, down } = shared;
  const inner = gate ?? up;
  if (gate && up && gate.shape.join() !== up.shape.join())
    notes.add(`Layer ${index}: the shared expert's gate ('${gate.source.tensor}') and up ('${up.source.tensor}') differ in shape; they must match.`);
  if (inner && down && (down.shape[0] !== inner.shape[1] || down.shape[1] !== inner.shape[0]))
    notes.add(
      `Layer ${index}: the shared expert's down ('${down.source.tensor}') is [${down.shape.join(', ')}], which does not undo [${inner.shape.join(', ')}].`,
    );
  return shared;
}

export function mapMoeLayer(
  spec: MoeSpec,
  index: number,
  suffixes: ReadonlyMap<string, string>,
  tensors: ReadonlyMap<string, TensorEntry>,
  sharedCount: number | undefined,
  notes: Set<string>,
  hiddenSize?: number,
): MoeLayerResult {
  const claimed = new Map<string, TensorRole>();
  const perExpert = new Map<number, Map<string, string>>(); // e → (name after the index → tensor)
  const fused: [string, FusedExpertsSpec][] = [];
  const shared: [string, ExpertLayout][] = [];
  const auxiliary: { tensor: string; role: MoeTensorRole }[] = [];
  // `P.N.` of the layer: every name is head + suffix.
  let head = '';
  const pe = spec.perExpert;
  for (const [suffix, name] of suffixes) {
    if (!head) head = name.slice(0, name.length - suffix.length);
    if (pe && suffix.startsWith(pe.prefix)) {
      // `<prefix><e>.<name>`, parsed by hand: a DeepSeek-V3 layer has ~1,500 of these.
      const dot = suffix.indexOf('.', pe.prefix.length);
      const digits = dot > pe.prefix.length ? suffix.slice(pe.prefix.length, dot) : '';
      const rest = dot > 0 ? suffix.slice(dot + 1) : '';
      if (/^\d+$/.test(digits) && own(pe.names, rest)) {
        const e = Number(digits);
        let m = perExpert.get(e);
        if (!m) perExpert.set(e, (m = new Map()));
        m.set(rest, name);
        claimed.set(name, 'expert');
        continue;
      }
    }
    const f = own(spec.fused, suffix);
    if (f) {
      fused.push([name, f]);
      claimed.set(name, 'experts');
      continue;
    }
    const s = own(spec.shared, suffix);
    if (s) {
      shared.push([name, s]);
      claimed.set(name, 'shared_expert');
      continue;
    }
    const a = own(spec.auxiliary, suffix);
    if (a) {
      auxiliary.push({ tensor: name, role: a });
      claimed.set(name, a);
    }
  }
  if (perExpert.size === 0 && fused.length === 0) {
    if (shared.length) notes.add(`Layer ${index} has shared-expert tensors ('${shared[0][0]}') but no routed experts.`);
    return { claimed };
  }

  const experts: ExpertMatrices[] = [];
  const slot = (e: number) => (experts[e] ??= {});
  let count: MoeLayerResult['count'];
  // One tensor per expert and matrix: every expert 0…E−1 must have every matrix name the layer uses.
  if (perExpert.size) {
    const pe = spec.perExpert!;
    const E = Math.max(...perExpert.keys()) + 1;
    const missing = (e: number, n: string) => `${head}${pe.prefix}${e}.${n}`;
    for (const n of Object.keys(pe.names)) {
      const absent: number[] = [];
      for (let e = 0; e < E; e++) {
        const tensor = perExpert.get(e)?.get(n);
        if (!tensor) {
          absent.push(e);
          continue;
        }
        for (const ref of fromMatrix(index, tensor, tensors.get(tensor)!, pe.names[n], e, notes)) slot(e)[ref.role] = ref;
      }
      if (absent.length === E)
        notes.add(`Layer ${index}: none of its ${E} experts has '${n}' (e.g. '${missing(0, n)}' is missing); their ${pe.names[n]} matrices are not available.`);
      else if (absent.length)
        notes.add(
          `Layer ${index}: ${absent.length === 1 ? `expert ${absent[0]} has` : `experts ${absent.slice(0, 5).join(', ')}${absent.length > 5 ? '…' : ''} have`} no '${n}': '${missing(absent[0], n)}'${absent.length > 1 ? ' and others are' : ' is'} missing.`,
        );
    }
    count = { experts: E, witness: `its expert tensors stop at expert ${E - 1} (there is no '${missing(E, Object.keys(pe.names)[0])}')` };
  }
  // One [E, …] tensor per matrix: all of them must hold the same number of experts.
  for (const [name, f] of fused) {
    const scales = f.mxfp4Scales ? tensors.get(head + f.mxfp4Scales) : undefined;
    const all = fromFused(index, name, tensors.get(name)!, f, scales, notes, hiddenSize);
    if (!all.length) continue;
    if (count && count.experts !== all.length)
      notes.add(
        `Layer ${index}: '${name}' holds ${all.length} experts but ${count.witness.replace(/^its/, "the layer's other")}; the experts beyond the smaller count are incomplete.`,
      );
    all.forEach((refs, e) => refs.forEach((ref) => (slot(e)[ref.role] = ref)));
    if (!count || all.length < count.experts) count = { experts: all.length, witness: `'${name}' is [${tensors.get(name)!.shape.join(', ')}]` };
  }
  for (let e = 0; e < experts.length; e++) experts[e] ??= {};
  checkShapes(index, experts, notes);
  const moe: MoeLayerInfo = { experts, auxiliary };
  const sh = sharedExpert(index, shared, tensors, notes);
  if (sh) moe.shared = sh;
  if (sh && sharedCount !== undefined && sharedCount > 1) moe.sharedCount = sharedCount;
  return { moe, claimed, count };
}
