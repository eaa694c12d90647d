/**
 * Static shape bookkeeping for the tape. Shapes are only needed to know which axes a broadcast
 * operand was stretched along (its gradient is summed over them), so dims may be symbolic names;
 * run-time sizes are read in the graph with Shape. Rules: a dimension broadcasts only when it is
 * the literal number 1 (or missing, for a lower rank); two different symbolic names are assumed
 * equal. Unknown results get fresh names ('?1', '?2', …), which never count as 1.
 */
import type { Dim } from '../graph';

let unknownCounter = 0;
/** A symbolic dim that stands for a size known only at run time. */
export function unknownDim(): Dim {
  return `?${++unknownCounter}`;
}

export function normaliseAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${what}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function describe(dims: readonly Dim[]): string {
  return `[${dims.join(', ')}]`;
}

/** Numpy-style broadcast of several shapes. */
export function broadcastDims(what: string, ...shapes: (readonly Dim[])[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[i - (rank - s.length)];
      if (d === undefined || d === 1) continue;
      if (dim === 1) dim = d;
      else if (typeof dim === 'number' && typeof d === 'number' && dim !== d) {
        throw new Error(`${what}: shapes ${shapes.map(describe).join(' and ')} do not broadcast`);
      } else if (typeof dim === 'string' && typeof d === 'number') dim = d;
    }
    out.push(dim);
  }
  return out;
}

/**
 * The axes of a broadcast result (`outDims`) that must be summed to get back to `inDims`: leading
 * axes the input lacks, and axes where the input has a literal 1 and the result does not.
 */
export function broadcastAxes(outDims: readonly Dim[], inDims: readonly Dim[]): number[] {
  const lead = outDims.length - inDims.length;
  const axes: number[] = [];
  for (let i = 0; i < outDims.length; i++) {
    if (i < lead) axes.push(i);
    else if (inDims[i - lead] === 1 && outDims[i] !== 1) axes.push(i);
  }
  return axes;
}

export function matmulDims(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  if (a.length < 2 || b.length < 2) throw new Error(`matmul: both operands need rank ≥ 2 (got ${describe(a)} and ${describe(b)}); reshape vectors to matrices`);
  const k1 = a[a.length - 1],
    k2 = b[b.length - 2];
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) throw new Error(`matmul: inner dimensions differ (${describe(a)} · ${describe(b)})`);
  const batch = broadcastDims('matmul batch', a.slice(0, -2), b.slice(0, -2));
  return [...batch, a[a.length - 2], b[b.length - 1]];
}

export function reduceDims(dims: readonly Dim[], axes: readonly number[], keepdims: boolean): Dim[] {
  return keepdims ? dims.map((d, i) => (axes.includes(i) ? 1 : d)) : dims.filter((_, i) => !axes.includes(i));
}

/** ONNX Reshape semantics (0 copies the input dim, one -1 is inferred) as far as static dims allow. */
export function reshapeDims(dims: readonly Dim[], target: readonly number[]): Dim[] {
  if (target.filter((t) => t === -1).length > 1) throw new Error(`reshape: at most one -1 in ${describe(target)}`);
  const out: Dim[] = target.map((t, i) => {
    if (t === 0) {
      if (i >= dims.length) throw new Error(`reshape: 0 at position ${i} copies a dim the input ${describe(dims)} does not have`);
      return dims[i];
    }
    return t;
  });
  const inferred = out.indexOf(-1);
  if (inferred >= 0) {
    const total = dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((a, b) => a * b, 1) : undefined;
    const known = out.every((d, i) => i === inferred || typeof d === 'number')
      ? (out.filter((_, i) => i !== inferred) as number[]).reduce((a, b) => a * b, 1)
      : undefined;
    out[inferred] = total !== undefined && known !== undefined && known > 0 ? total / known : unknownDim();
  }
  return out;
}

/** Static result dims of Slice with step 1, or fresh unknown dims where sizes are symbolic. */
export function sliceDims(dims: readonly Dim[], starts: readonly number[], ends: readonly number[], axes: readonly number[]): Dim[] {
  const out = [...dims];
  axes.forEach((axis, i) => {
    const d = dims[axis];
    if (typeof d !== 'number') {
      out[axis] = unknownDim();
      return;
    }
    const clamp = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
    out[axis] = Math.max(0, clamp(ends[i]) - clamp(starts[i]));
  });
  return out;
}

export function concatDims(shapes: readonly (readonly Dim[])[], axis: number): Dim[] {
  const out = [...shapes[0]];
  const sizes = shapes.map((s) => s[axis]);
  out[axis] = sizes.every((s) => typeof s === 'number') ? (sizes as number[]).reduce((a, b) => a + b, 0) : unknownDim();
  return out;
}
