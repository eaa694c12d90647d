/** Assertions the architecture tests share: a read matrix equal to its source bit for bit, and a model note present. */
import assert from 'node:assert/strict';
import type { Matrix } from '../../../../src/analysis/linalg/matrix';
import type { ModelHandle } from '../../../../src/analysis/model/types';
import type { Mat } from '../../../fixtures/archLayouts';

/** Bit-for-bit equality of a read matrix with the truth, naming the first differing entry. */
export function same(got: Matrix, want: Mat, what: string): void {
  assert.deepEqual([got.rows, got.cols], [want.rows, want.cols], `${what}: shape`);
  const a = new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length);
  const b = new Uint32Array(want.data.buffer, want.data.byteOffset, want.data.length);
  const i = a.findIndex((x, k) => x !== b[k]);
  assert.equal(i, -1, `${what}: entry ${i} is ${got.data[i]}, the source has ${want.data[i]}`);
}

/** A note of the model matches `re` (all the notes are shown when none does). */
export function hasNote(m: ModelHandle, re: RegExp): void {
  assert.ok(
    m.notes?.some((n) => re.test(n)),
    `no note matching ${re}:\n${(m.notes ?? []).join('\n')}`,
  );
}
