/**
 * A small typed builder for ONNX graphs, encoded to ModelProto bytes with onnx-proto (protobufjs).
 * Kernels, the autodiff tape and the model executor describe their computation with it and hand
 * the bytes to onnxruntime. Values are referred to by name (plain strings), as in ONNX itself.
 *
 *   const g = new GraphBuilder('scale');
 *   const x = g.input('x', 'float32', ['n', 4]);
 *   g.output(g.op('Mul', [x, g.scalar(2, 'float32')]), 'float32');
 *   const bytes = g.toBytes();
 *
 * Defaults: opset 21 with IR version 10 (accepted by ORT 1.30 on every provider). bf16 inputs need
 * BitCast, which arrived in opset 26 (IR 13): pass `{ opset: 26 }` for those graphs.
 */
import { onnx } from 'onnx-proto';

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'uint8' | 'uint16' | 'int32' | 'int64' | 'bool';
/** A tensor dimension: a number, or a name for a size only known at run time. */
export type Dim = number | string;

const TYPE_CODE: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  float16: onnx.TensorProto.DataType.FLOAT16,
  bfloat16: onnx.TensorProto.DataType.BFLOAT16,
  uint8: onnx.TensorProto.DataType.UINT8,
  uint16: onnx.TensorProto.DataType.UINT16,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The ONNX `TensorProto.DataType` code of a dtype (the `to` attribute of Cast/BitCast takes it). */
export function onnxType(dtype: DType): number {
  return TYPE_CODE[dtype];
}

/** Attribute values: plain numbers are INT, number[] INTS, strings STRING; floats must be marked. */
export type AttrValue = number | bigint | number[] | string | FloatAttr | FloatsAttr;
export interface FloatAttr {
  float: number;
}
export interface FloatsAttr {
  floats: number[];
}
/** Marks a float attribute (alpha, beta, epsilon…), which ONNX types differently from an int. */
export function float(value: number): FloatAttr {
  return { float: value };
}
export function floats(values: number[]): FloatsAttr {
  return { floats: values };
}

export interface GraphOptions {
  opset?: number;
  irVersion?: number;
}

type ConstantData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

const AttrType = onnx.AttributeProto.AttributeType;

function encodeAttribute(name: string, value: AttrValue): onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isInteger(value))
      throw new Error(`attribute ${name}=${value} is not an integer; wrap float attributes with float()`);
    return { name, type: AttrType.INT, i: Number(value) };
  }
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if ('float' in value) return { name, type: AttrType.FLOAT, f: value.float };
  return { name, type: AttrType.FLOATS, floats: value.floats };
}

function valueInfo(name: string, dtype: DType, dims?: readonly Dim[]): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType: TYPE_CODE[dtype] };
  if (dims) tensorType.shape = { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) };
  return { name, type: { tensorType } };
}

export class GraphBuilder {
  readonly opset: number;
  readonly irVersion: number;
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly constantNames = new Map<string, string>();
  private readonly domains = new Set<string>();
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(
    readonly name: string,
    opts: GraphOptions = {},
  ) {
    this.opset = opts.opset ?? 21;
    this.irVersion = opts.irVersion ?? (this.opset >= 26 ? 13 : 10);
  }

  /** A name not used yet in this graph, starting with `prefix`. */
  fresh(prefix = 't'): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: the name "${name}" is already used`);
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), dtype, dims));
    return name;
  }

  /** Declares `value` a graph output; `as` renames it (through Identity) when it must have a fixed name. */
  output(value: string, dtype: DType, opts: { as?: string; dims?: readonly Dim[] } = {}): string {
    let name = value;
    if (opts.as !== undefined && opts.as !== value) {
      name = this.claim(opts.as);
      this.nodes.push({ opType: 'Identity', input: [value], output: [name] });
    }
    this.outputs.push(valueInfo(name, dtype, opts.dims));
    return name;
  }

  /** A constant tensor stored in the graph (an initializer). Equal int64 constants are shared. */
  constant(data: ConstantData, dtype: DType, dims: readonly number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`constant of shape [${dims}] needs ${count} values, got ${data.length}`);
    const name = this.fresh('const');
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push({ name, dataType: TYPE_CODE[dtype], dims: [...dims], rawData: raw });
    return name;
  }

  /** A 1-D int64 constant (axes, shapes, slice bounds), shared between nodes that use the same one. */
  int64s(values: readonly (number | bigint)[]): string {
    const key = `i64:${values.join(',')}`;
    const known = this.constantNames.get(key);
    if (known) return known;
    const name = this.constant(
      BigInt64Array.from(values, (v) => BigInt(v)),
      'int64',
      [values.length],
    );
    this.constantNames.set(key, name);
    return name;
  }

  /** A scalar (rank-0) constant of a floating or integer dtype. */
  scalar(value: number, dtype: DType): string {
    const key = `s:${dtype}:${value}`;
    const known = this.constantNames.get(key);
    if (known) return known;
    const name = this.constant(scalarData(value, dtype), dtype, []);
    this.constantNames.set(key, name);
    return name;
  }

  /** Adds a node and returns its output names (fresh unless given). */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, opts: { outputs?: number | string[]; domain?: string } = {}): string[] {
    const outs = Array.isArray(opts.outputs)
      ? opts.outputs.map((n) => this.claim(n))
      : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(op.toLowerCase()));
    const domain = opts.domain ?? '';
    if (domain) this.domains.add(domain);
    this.nodes.push({
      opType: op,
      domain,
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => encodeAttribute(k, v)),
    });
    return outs;
  }

  /** A node with one output; returns its name. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, domain?: string): string {
    return this.node(op, inputs, attrs, { domain })[0];
  }

  toBytes(): Uint8Array {
    const opsetImport = [{ domain: '', version: this.opset }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))];
    const model = onnx.ModelProto.create({
      irVersion: this.irVersion,
      opsetImport,
      producerName: 'layer-lens',
      graph: { name: this.name, node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.initializers },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function scalarData(value: number, dtype: DType): ConstantData {
  switch (dtype) {
    case 'float32':
      return Float32Array.of(value);
    case 'float64':
      return Float64Array.of(value);
    case 'int64':
      return BigInt64Array.of(BigInt(value));
    case 'int32':
      return Int32Array.of(value);
    case 'bool':
    case 'uint8':
      return Uint8Array.of(value);
    default:
      throw new Error(`scalar constants of dtype ${dtype} are not supported; use float32 and Cast`);
  }
}
