/**
 * Float buffers reused from one layer to the next within a run. Every layer of a model has the
 * same weight shapes, so the second and later layers can be read into the memory of the layer
 * before, and their weight gradients written into it, instead of into fresh allocations the kernel
 * maps and zeroes page by page (at Llama-3.2-1B shapes, 240 MB of weights and as much of
 * gradients per layer: 60 000 page faults each).
 *
 * A pool only takes back arrays it handed out, so callers may give back anything.
 */
import type { ElemType } from './ops';
import type { FloatArray } from './session';

export class FloatBufferPool {
  private readonly free = new Map<string, FloatArray[]>();
  private readonly owned = new WeakSet<FloatArray>();
  /** Arrays created (not reused) so far: what a test or a benchmark can count. */
  created = 0;

  constructor(readonly elem: ElemType) {}

  /** An array of `length` elements; its contents are whatever the last holder left. */
  take(length: number): FloatArray {
    const reused = this.free.get(String(length))?.pop();
    if (reused) return reused;
    const fresh = this.elem === 'float64' ? new Float64Array(length) : new Float32Array(length);
    this.owned.add(fresh);
    this.created++;
    return fresh;
  }

  /** Hands arrays back for the next take() of their length; arrays the pool did not create are ignored. */
  give(...arrays: FloatArray[]): void {
    for (const a of arrays) {
      if (!this.owned.has(a)) continue;
      const list = this.free.get(String(a.length));
      if (list) {
        if (!list.includes(a)) list.push(a);
      } else this.free.set(String(a.length), [a]);
    }
  }
}
