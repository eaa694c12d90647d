/**
 * Central finite-difference checks of tape gradients in float64 graphs. The scalar checked is
 * L = Σ y ⊙ R with a fixed random R, so every element of y's Jacobian contributes; each input
 * element is moved by ±h and L re-evaluated with the same session.
 */
import * as ort from 'onnxruntime-node';
import type { Engine } from '../../../../src/analysis/engine/engine';
import { Tape, type Value } from '../../../../src/analysis/engine/autodiff/tape';
import type { Dim, DType } from '../../../../src/analysis/engine/graph';
import { randomArray } from './random';

export interface CaseInput {
  name: string;
  dims: number[];
  /** Defaults to seeded Gaussian values. */
  data?: Float64Array | BigInt64Array | Uint8Array;
  dtype?: DType;
  /** Dims declared to the tape when they differ from the fed ones (symbolic names). */
  tapeDims?: Dim[];
  /** Differentiate with respect to this input (default: float64 inputs). */
  grad?: boolean;
}

export interface CheckResult {
  /** max |analytic − FD| / max(|FD|, 1e-3) over every checked input. */
  relError: number;
  analytic: Float64Array[];
  fd: Float64Array[];
}

let caseCounter = 0;

function tensorOf(input: CaseInput, data: Float64Array | BigInt64Array | Uint8Array): ort.Tensor {
  const dtype = input.dtype ?? 'float64';
  if (dtype === 'float64') return new ort.Tensor('float64', data as Float64Array, input.dims);
  if (dtype === 'int64') return new ort.Tensor('int64', data as BigInt64Array, input.dims);
  if (dtype === 'bool') return new ort.Tensor('bool', data as Uint8Array, input.dims);
  throw new Error(`unsupported test input dtype ${dtype}`);
}

export async function checkGradients(
  engine: Engine,
  inputs: CaseInput[],
  f: (t: Tape, values: Value[]) => Value,
  opts: { seed?: number; h?: number } = {},
): Promise<CheckResult> {
  const seed = opts.seed ?? 1;
  const h = opts.h ?? 1e-5;
  const t = new Tape(`fd_case_${caseCounter++}`, 'float64');
  const values = inputs.map((i) => t.input(i.name, i.tapeDims ?? i.dims, i.dtype ?? 'float64'));
  const y = f(t, values);
  if (!y.dims.every((d) => typeof d === 'number')) throw new Error('test outputs need numeric dims');
  const size = (y.dims as number[]).reduce((a, b) => a * b, 1);
  const r = t.constant(randomArray(size, seed + 1000), y.dims as number[]);
  const loss = t.reduceSum(t.mul(y, r));
  const wrtIndex = inputs.map((inp, k) => ((inp.grad ?? (inp.dtype ?? 'float64') === 'float64') ? k : -1)).filter((k) => k >= 0);
  const grads = t.grad(
    loss,
    wrtIndex.map((k) => values[k]),
  );
  t.output(loss, 'loss');
  grads.forEach((g, i) => t.output(g, `grad_${i}`));
  const bytes = t.toBytes();
  const signature = t.g.name;

  const data = inputs.map(
    (inp, k) =>
      inp.data ??
      randomArray(
        inp.dims.reduce((a, b) => a * b, 1),
        seed + 17 * k,
      ),
  );
  const feeds = () => Object.fromEntries(inputs.map((inp, k) => [inp.name, tensorOf(inp, data[k])]));
  const base = await engine.run(signature, () => bytes, feeds());
  const analytic = grads.map((_, i) => Float64Array.from(base[`grad_${i}`].data as Float64Array));

  const fd: Float64Array[] = [];
  let relError = 0;
  for (const [i, k] of wrtIndex.entries()) {
    const x = data[k] as Float64Array;
    const num = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      const keep = x[j];
      x[j] = keep + h;
      const plus = (await engine.run(signature, () => bytes, feeds())).loss.data[0] as number;
      x[j] = keep - h;
      const minus = (await engine.run(signature, () => bytes, feeds())).loss.data[0] as number;
      x[j] = keep;
      num[j] = (plus - minus) / (2 * h);
    }
    fd.push(num);
    const scale = Math.max(1e-3, ...num.map(Math.abs));
    for (let j = 0; j < num.length; j++) relError = Math.max(relError, Math.abs(analytic[i][j] - num[j]) / scale);
    if (analytic[i].length !== num.length) throw new Error(`gradient ${i} has ${analytic[i].length} values, input has ${num.length}`);
  }
  return { relError, analytic, fd };
}
