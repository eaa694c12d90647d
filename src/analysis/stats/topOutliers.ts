/** The K largest |w| of a stream of values, with their flat indices: a small sorted list that a value enters only when it beats the smallest kept. */

export interface Outlier {
  /** Coordinates in the tensor's shape (`[row, column]` for a matrix, `[expert, row, column]` for stacked experts). */
  at: number[];
  value: number;
}

export class TopAbs {
  private readonly abs: number[] = [];
  private readonly index: number[] = [];
  private readonly value: number[] = [];
  /** |w| a value must exceed to enter (−1 until the list is full, so every value enters). */
  floor = -1;

  constructor(readonly k: number) {}

  /**
   * Offers a finite value seen at flat `index`; call only when |value| > floor. Ties keep the
   * earlier index (values arrive in index order), as a stable sort by descending |w| does.
   */
  offer(value: number, index: number): void {
    const a = value < 0 ? -value : value;
    let pos = this.abs.length;
    while (pos > 0 && this.abs[pos - 1]! < a) pos--;
    this.abs.splice(pos, 0, a);
    this.index.splice(pos, 0, index);
    this.value.splice(pos, 0, value);
    if (this.abs.length > this.k) {
      this.abs.pop();
      this.index.pop();
      this.value.pop();
    }
    if (this.abs.length === this.k) this.floor = this.abs[this.k - 1]!;
  }

  /** Largest first, each with its coordinates in `shape`. */
  result(shape: readonly number[]): Outlier[] {
    return this.index.map((flat, i) => ({ at: unravel(flat, shape), value: this.value[i]! }));
  }
}

/** Row-major coordinates of a flat index. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    at[d] = n > 0 ? flat % n : 0;
    flat = n > 0 ? Math.floor(flat / n) : 0;
  }
  return at;
}
