// Entry points of the linear-algebra WASM module. Memory is managed from JavaScript: the module
// owns no heap objects (stub runtime); callers place arrays after heapBase() and grow memory.
export { panelQR } from './panelQR';
export { bandToTridiagonal, applyBandReflectors } from './bandToTridiagonal';
export { tridiagonalQL } from './tridiagonalQL';
export { tridiagonalValues } from './tridiagonalValues';
export { int8QuantizeColumnVectors, int8QuantizeRowVectors, int8TransposeOffset } from './int8Quantize';

/** First byte that the module's own static data does not use. */
export function heapBase(): usize {
  return __heap_base;
}
