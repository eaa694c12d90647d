/** Reverse-mode autodiff emitting its backward pass as ONNX nodes (see tape.ts for the API). */
export { Tape, isFloat, type Value, type Operand, type OpKind, type Entry } from './tape';
export { broadcastDims, broadcastAxes } from './shapes';
