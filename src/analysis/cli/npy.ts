/**
 * Writes a float32 array as a NumPy `.npy` file, format version 1.0, byte for byte as numpy.save
 * writes one (numpy/lib/_format_impl.py, formerly numpy/lib/format.py: `_write_array_header` and
 * `_wrap_header`): the magic `\x93NUMPY`, the version bytes 1 0, a little-endian uint16 header
 * length, then the header — the dict `{'descr': '<f4', 'fortran_order': False, 'shape': (R, C), }`
 * with its keys sorted and values as Python's repr, then spare spaces so the growth axis (axis 0 in
 * C order) could reach GROWTH_AXIS_MAX_DIGITS = 21 digits in place, then spaces and a final `\n`
 * so that magic + length + header is a multiple of ARRAY_ALIGN = 64 bytes — then the values,
 * little-endian, in C (row-major) order.
 */
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';

const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;
/** `\x93NUMPY`, major 1, minor 0. */
const MAGIC = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);

/** Python's repr of a shape tuple: `(3,)`, `(2, 5)`, `()`. */
function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** The magic, length and padded header of a C-order `<f4` array of `shape`; its length is a multiple of 64. */
export function npyHeader(shape: readonly number[]): Uint8Array {
  for (const n of shape) if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid .npy dimension ${n}`);
  const growth = shape.length > 0 ? Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length) : 0;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }` + ' '.repeat(growth);
  const hlen = dict.length + 1;
  const pad = ARRAY_ALIGN - ((MAGIC.length + 2 + hlen) % ARRAY_ALIGN);
  const total = hlen + pad;
  if (total > 0xffff) throw new Error(`a .npy 1.0 header holds at most 65535 bytes; shape ${shapeRepr(shape)} needs ${total}`);
  const out = new Uint8Array(MAGIC.length + 2 + total);
  out.set(MAGIC);
  out[8] = total & 0xff;
  out[9] = total >> 8;
  out.set(new TextEncoder().encode(dict + ' '.repeat(pad) + '\n'), 10);
  return out;
}

/** The values as little-endian bytes (a view when the machine is little-endian). */
function littleEndianBytes(data: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return out;
}

/**
 * Writes `data` (row-major, `shape`) to `path` as `.npy`; returns the header's length, where the
 * values start in the file.
 */
export async function writeNpyF32(path: string, shape: readonly number[], data: Float32Array): Promise<number> {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`${data.length} values do not fill shape ${shapeRepr(shape)}`);
  const header = npyHeader(shape);
  const fh = await open(path, 'w');
  try {
    await fh.write(header, 0, header.length, 0);
    const bytes = littleEndianBytes(data);
    // At most 1 GiB per write call (the OS caps one write near 2 GiB), and a short write continues.
    for (let off = 0; off < bytes.length;) {
      const { bytesWritten } = await fh.write(bytes, off, Math.min(1 << 30, bytes.length - off), header.length + off);
      if (bytesWritten <= 0) throw new Error(`${path}: the disk took no more bytes`);
      off += bytesWritten;
    }
  } finally {
    await fh.close();
  }
  return header.length;
}
