/**
 * MXFP4 as gpt-oss's checkpoints store their experts (transformers `integrations/mxfp4.py`,
 * `convert_moe_packed_tensors`): blocks `[…, rows, groups, 16]` of bytes, each byte two E2M1 codes
 * (low nibble = even element, high nibble = odd element), and one E8M0 exponent per group of 32
 * values, `[…, rows, groups]`; a value is `FP4_VALUES[code] · 2^(exponent − 127)` (`torch.ldexp`).
 * Row r of the result is `[groups · 32]` wide, in storage order.
 */

/** E2M1 code → value, the table `FP4_VALUES` of the reference. */
export const FP4_VALUES: readonly number[] = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/**
 * Decodes `rows × groups` groups: `bytes` holds their 16 bytes each (as numbers 0…255) and
 * `exponents` one E8M0 byte each, both in row-major order.
 */
export function decodeMxfp4(bytes: ArrayLike<number>, exponents: ArrayLike<number>, rows: number, groups: number): Float32Array {
  if (bytes.length !== rows * groups * 16) throw new Error(`MXFP4 blocks: ${bytes.length} bytes for ${rows} × ${groups} groups of 16`);
  if (exponents.length !== rows * groups) throw new Error(`MXFP4 scales: ${exponents.length} exponents for ${rows} × ${groups} groups`);
  const out = new Float32Array(rows * groups * 32);
  for (let g = 0; g < rows * groups; g++) {
    const scale = 2 ** (exponents[g] - 127);
    for (let k = 0; k < 16; k++) {
      const b = bytes[g * 16 + k];
      out[g * 32 + 2 * k] = FP4_VALUES[b & 0x0f] * scale;
      out[g * 32 + 2 * k + 1] = FP4_VALUES[b >> 4] * scale;
    }
  }
  return out;
}
