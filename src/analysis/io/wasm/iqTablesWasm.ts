/**
 * The i-quant grids in the decode kernels' memory: the region iqTables.as.ts reserves at the start
 * of the heap, filled once per instance with ../gguf/iqGrids.ts's tables (the ones the JavaScript
 * decoders read), in the order and at the offsets iqTables.as.ts gives them.
 */
import { IQ1S_GRID, IQ2S_GRID, IQ2XS_GRID, IQ2XXS_GRID, IQ3S_GRID, IQ3XXS_GRID } from '../gguf/iqGrids';

/** The grids in region order: iq2xxs, iq2xs, iq2s, iq3xxs, iq3s, iq1s (signed bytes, stored as their bits). */
const ORDER = [IQ2XXS_GRID, IQ2XS_GRID, IQ2S_GRID, IQ3XXS_GRID, IQ3S_GRID, new Uint8Array(IQ1S_GRID.buffer, IQ1S_GRID.byteOffset, IQ1S_GRID.length)];

let region: Uint8Array | undefined;

/** The region's bytes, made once. */
export function iqTableRegion(): Uint8Array {
  if (!region) {
    region = new Uint8Array(ORDER.reduce((n, t) => n + t.length, 0));
    let at = 0;
    for (const t of ORDER) {
      region.set(t, at);
      at += t.length;
    }
  }
  return region;
}

/** Copies the grids into an instance's memory; throws if the module reserves a different size (a stale build). */
export function fillIqTables(memory: WebAssembly.Memory, exports: { iqTables(): number; iqTableBytes(): number }): void {
  const bytes = iqTableRegion();
  if (exports.iqTableBytes() !== bytes.length)
    throw new Error(`decode kernels reserve ${exports.iqTableBytes()} bytes for the i-quant grids, not ${bytes.length}`);
  new Uint8Array(memory.buffer, exports.iqTables(), bytes.length).set(bytes);
}
