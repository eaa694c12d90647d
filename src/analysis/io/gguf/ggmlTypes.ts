/**
 * The ggml tensor types a GGUF file may name: id (`enum ggml_type` in ggml/include/ggml.h), name,
 * values per block and bytes per block (`type_traits[]` in ggml/src/ggml.c: `blck_size`,
 * `type_size` = `sizeof(block_…)`, the block structs of ggml/src/ggml-common.h). A row of `ne[0]`
 * values is `ne[0] / blockSize` blocks; ids ggml removed (4, 5, 31–33, 36–38) are unknown here, as
 * they are to ggml (`blck_size = 0`).
 */

export interface GgmlType {
  id: number;
  /** The name llama.cpp prints (`Q4_K`, `IQ4_XS`, `F16`). */
  name: string;
  blockSize: number;
  typeSize: number;
  /** Layer Lens decodes its values (io/gguf/dequant*.ts, or the plain float/integer readers). */
  decodable: boolean;
}

const QK_K = 256;

// [id, name, values per block, bytes per block, decodable]
const TABLE: readonly [number, string, number, number, boolean][] = [
  [0, 'F32', 1, 4, true],
  [1, 'F16', 1, 2, true],
  [2, 'Q4_0', 32, 2 + 16, true],
  [3, 'Q4_1', 32, 2 * 2 + 16, true],
  [6, 'Q5_0', 32, 2 + 4 + 16, true],
  [7, 'Q5_1', 32, 2 * 2 + 4 + 16, true],
  [8, 'Q8_0', 32, 2 + 32, true],
  [9, 'Q8_1', 32, 2 * 2 + 32, false],
  [10, 'Q2_K', QK_K, 2 * 2 + QK_K / 16 + QK_K / 4, true],
  [11, 'Q3_K', QK_K, 2 + QK_K / 4 + QK_K / 8 + 12, true],
  [12, 'Q4_K', QK_K, 2 * 2 + 12 + QK_K / 2, true],
  [13, 'Q5_K', QK_K, 2 * 2 + 12 + QK_K / 2 + QK_K / 8, true],
  [14, 'Q6_K', QK_K, 2 + QK_K / 16 + (3 * QK_K) / 4, true],
  [15, 'Q8_K', QK_K, 4 + QK_K + (QK_K / 16) * 2, true],
  [16, 'IQ2_XXS', QK_K, 2 + (QK_K / 8) * 2, true],
  [17, 'IQ2_XS', QK_K, 2 + (QK_K / 8) * 2 + QK_K / 32, true],
  [18, 'IQ3_XXS', QK_K, 2 + 3 * (QK_K / 8), true],
  [19, 'IQ1_S', QK_K, 2 + QK_K / 8 + QK_K / 16, true],
  [20, 'IQ4_NL', 32, 2 + 16, true],
  [21, 'IQ3_S', QK_K, 2 + 13 * (QK_K / 32) + QK_K / 64, true],
  [22, 'IQ2_S', QK_K, 2 + QK_K / 4 + QK_K / 16, true],
  [23, 'IQ4_XS', QK_K, 2 + 2 + QK_K / 64 + QK_K / 2, true],
  [24, 'I8', 1, 1, true],
  [25, 'I16', 1, 2, true],
  [26, 'I32', 1, 4, true],
  [27, 'I64', 1, 8, true],
  [28, 'F64', 1, 8, true],
  [29, 'IQ1_M', QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32, true],
  [30, 'BF16', 1, 2, true],
  [34, 'TQ1_0', QK_K, 2 + QK_K / 64 + (QK_K - (4 * QK_K) / 64) / 5, true],
  [35, 'TQ2_0', QK_K, 2 + QK_K / 4, true],
  [39, 'MXFP4', 32, 1 + 16, true],
  [40, 'NVFP4', 64, 4 + 32, false],
  [41, 'Q1_0', 128, 2 + 128 / 8, false],
  [42, 'Q2_0', 64, 2 + 64 / 4, false],
];

const BY_ID = new Map<number, GgmlType>(TABLE.map(([id, name, blockSize, typeSize, decodable]) => [id, { id, name, blockSize, typeSize, decodable }]));

/** The type with this id, or undefined for an id ggml does not (or no longer) define. */
export function ggmlType(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

/** Every known type, for listings and tests. */
export const GGML_TYPES: readonly GgmlType[] = [...BY_ID.values()];
