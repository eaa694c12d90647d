// dtype decoding against independent references: DataView reads for the integer and IEEE types,
// the closed-form value formulas for the 16- and 8-bit floats (every bit pattern), and published
// constants (float8 e4m3fn max 448, e5m2 max 57344, half max 65504).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInto, decodeToF32, DTYPE_BITS, DTYPE_BYTES, DTYPES, NotDecodableError, type DType } from '../../../../src/analysis/io/dtypes';
import { encodeValues, f16Bits, roundTrip } from '../../../fixtures/safetensorsWriter';
import { mulberry32 } from '../../../fixtures/prng';

function allPatterns(bits: 8 | 16): Uint8Array {
  const n = 1 << bits;
  const out = new Uint8Array(n * (bits / 8));
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) bits === 8 ? dv.setUint8(i, i) : dv.setUint16(2 * i, i, true);
  return out;
}

/** Value of a sign/exponent/mantissa float with IEEE-style subnormals, from the formula. */
function ieee(bits: number, expBits: number, mantBits: number, bias: number): number {
  const sign = (bits >> (expBits + mantBits)) & 1 ? -1 : 1;
  const e = (bits >> mantBits) & ((1 << expBits) - 1);
  const m = bits & ((1 << mantBits) - 1);
  if (e === (1 << expBits) - 1) return m ? NaN : sign * Infinity;
  if (e === 0) return sign * (m / 2 ** mantBits) * 2 ** (1 - bias);
  return sign * (1 + m / 2 ** mantBits) * 2 ** (e - bias);
}

function sameValues(got: Float32Array, want: (i: number) => number, what: string): void {
  for (let i = 0; i < got.length; i++) {
    const w = Math.fround(want(i));
    if (Number.isNaN(w)) assert.ok(Number.isNaN(got[i]), `${what} pattern ${i}: expected NaN, got ${got[i]}`);
    else assert.ok(Object.is(got[i], w), `${what} pattern ${i}: expected ${w}, got ${got[i]}`);
  }
}

test('F16: all 65536 bit patterns equal the IEEE binary16 formula (subnormals, ±0, ±Inf, NaN)', () => {
  sameValues(decodeToF32('F16', allPatterns(16)), (i) => ieee(i, 5, 10, 15), 'F16');
  assert.equal(decodeToF32('F16', encodeValues('F16', [65504]))[0], 65504);
});

test('BF16: all 65536 bit patterns equal the float32 whose top half they are (aligned and misaligned input)', () => {
  const bytes = allPatterns(16);
  const dv = new DataView(new ArrayBuffer(4));
  const want = (i: number) => (dv.setUint32(0, i << 16), dv.getFloat32(0));
  sameValues(decodeToF32('BF16', bytes), want, 'BF16');
  // Odd count and a source starting at an odd byte: the paths the word-pair loop does not take.
  const shifted = new Uint8Array(bytes.byteLength + 1).fill(0);
  shifted.set(bytes.subarray(0, 2 * 999), 1);
  sameValues(decodeToF32('BF16', shifted.subarray(1, 1 + 2 * 999)), want, 'BF16 misaligned');
  sameValues(decodeToF32('BF16', bytes.subarray(4, 4 + 2 * 777)), (i) => want(i + 2), 'BF16 odd count');
});

test('F8_E5M2: every byte equals the formula (bias 15, IEEE specials); max 57344', () => {
  sameValues(decodeToF32('F8_E5M2', allPatterns(8)), (i) => ieee(i, 5, 2, 15), 'E5M2');
  assert.equal(decodeToF32('F8_E5M2', new Uint8Array([0x7b]))[0], 57344);
});

test('F8_E4M3 (fn): every byte equals the formula (bias 7, no Inf, only S.1111.111 is NaN); max 448', () => {
  const want = (i: number) => {
    const s = i & 0x80 ? -1 : 1,
      e = (i >> 3) & 15,
      m = i & 7;
    if (e === 15 && m === 7) return NaN;
    return e === 0 ? s * (m / 8) * 2 ** -6 : s * (1 + m / 8) * 2 ** (e - 7);
  };
  sameValues(decodeToF32('F8_E4M3', allPatterns(8)), want, 'E4M3');
  assert.deepEqual([...decodeToF32('F8_E4M3', new Uint8Array([0x7e, 0x38, 0xb8, 0x01, 0x78]))], [448, 1, -1, 2 ** -9, 256]);
});

test('integer, bool and wide float types equal DataView reads', () => {
  const rand = mulberry32(3);
  const n = 257;
  const raw = new Uint8Array(n * 8);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(rand() * 256);
  const dv = new DataView(raw.buffer);
  const readers: Partial<Record<DType, (i: number) => number>> = {
    F64: (i) => dv.getFloat64(8 * i, true),
    F32: (i) => dv.getFloat32(4 * i, true),
    I64: (i) => Number(dv.getBigInt64(8 * i, true)),
    U64: (i) => Number(dv.getBigUint64(8 * i, true)),
    I32: (i) => dv.getInt32(4 * i, true),
    U32: (i) => dv.getUint32(4 * i, true),
    I16: (i) => dv.getInt16(2 * i, true),
    U16: (i) => dv.getUint16(2 * i, true),
    I8: (i) => dv.getInt8(i),
    U8: (i) => dv.getUint8(i),
    BOOL: (i) => (dv.getUint8(i) ? 1 : 0),
  };
  for (const [dtype, read] of Object.entries(readers) as [DType, (i: number) => number][]) {
    const count = Math.floor(raw.byteLength / DTYPE_BYTES[dtype]);
    sameValues(decodeToF32(dtype, raw.subarray(0, count * DTYPE_BYTES[dtype])), read, dtype);
  }
  assert.deepEqual([...decodeToF32('I64', encodeValues('I64', [-1, 2 ** 40 + 2 ** 20, -(2 ** 33)]))], [-1, 2 ** 40 + 2 ** 20, -(2 ** 33)]);
});

test('decodeInto writes at an offset and refuses partial elements and overflow', () => {
  const out = new Float32Array(6).fill(-7);
  decodeInto('BF16', encodeValues('BF16', [1, 2, 3]), out, 2);
  assert.deepEqual([...out], [-7, -7, 1, 2, 3, -7]);
  assert.throws(() => decodeInto('F32', new Uint8Array(6), out, 0), /6 bytes is not a whole number of F32 values/);
  assert.throws(() => decodeInto('F32', new Uint8Array(8), out, 5), /overflows an output of 6/);
  assert.equal(DTYPES.length, 22);
});

test('writer rounding (used by fixtures) is round-to-nearest-even, as torch casts', () => {
  assert.equal(f16Bits(1 / 3), 0x3555);
  assert.equal(f16Bits(65520), 0x7c00);
  assert.equal(f16Bits(2 ** -24), 0x0001);
  assert.equal(f16Bits(1 + 2 ** -11), 0x3c00);
  assert.equal(f16Bits(1 + 3 * 2 ** -11), 0x3c02);
  assert.deepEqual([...roundTrip('BF16', [1 + 2 ** -8, 1 + 3 * 2 ** -8, -0])], [1, 1 + 2 ** -6, -0]);
});

// The dtypes of the safetensors format as the reference defines them (huggingface/safetensors
// `safetensors/src/tensor.rs`, `enum Dtype` and `Dtype::bitsize`), copied here by hand.
const REFERENCE_BITS: Record<string, number> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

test('every dtype of the format is known, with the reference bit width', () => {
  assert.deepEqual([...DTYPES].sort(), Object.keys(REFERENCE_BITS).sort());
  for (const d of DTYPES) {
    assert.equal(DTYPE_BITS[d], REFERENCE_BITS[d], d);
    assert.equal(DTYPE_BYTES[d], REFERENCE_BITS[d] / 8, d);
  }
});

test('F8_E8M0: every byte e is 2^(e − 127) and 0xFF is NaN (OCP MX v1.0, 5.4.1)', () => {
  sameValues(decodeToF32('F8_E8M0', allPatterns(8)), (e) => (e === 255 ? NaN : 2 ** (e - 127)), 'E8M0');
  // No zero and no sign: the smallest is 2^-127 (a float32 subnormal), 127 is 1, 254 is 2^127.
  assert.deepEqual([...decodeToF32('F8_E8M0', new Uint8Array([0, 126, 127, 128, 254]))], [2 ** -127, 0.5, 1, 2, 2 ** 127]);
});

/** Value of an FNUZ float8 from its definition: 0x80 is NaN, no infinities, no negative zero. */
function fnuz(bits: number, expBits: number, mantBits: number, bias: number): number {
  if (bits === 0x80) return NaN;
  const sign = bits & 0x80 ? -1 : 1;
  const e = (bits >> mantBits) & ((1 << expBits) - 1);
  const m = bits & ((1 << mantBits) - 1);
  return e === 0 ? sign * (m / 2 ** mantBits) * 2 ** (1 - bias) : sign * (1 + m / 2 ** mantBits) * 2 ** (e - bias);
}

test('F8_E4M3FNUZ and F8_E5M2FNUZ: every byte equals the definition (biases 8 and 16, 0x80 the only NaN); max 240 and 57344', () => {
  sameValues(decodeToF32('F8_E4M3FNUZ', allPatterns(8)), (i) => fnuz(i, 4, 3, 8), 'E4M3FNUZ');
  sameValues(decodeToF32('F8_E5M2FNUZ', allPatterns(8)), (i) => fnuz(i, 5, 2, 16), 'E5M2FNUZ');
  assert.deepEqual([...decodeToF32('F8_E4M3FNUZ', new Uint8Array([0x7f, 0x40, 0x01, 0xff, 0x00]))], [240, 1, 2 ** -10, -240, 0]);
  assert.deepEqual([...decodeToF32('F8_E5M2FNUZ', new Uint8Array([0x7f, 0x40, 0x01, 0x00]))], [57344, 1, 2 ** -17, 0]);
  assert.ok(Number.isNaN(decodeToF32('F8_E4M3FNUZ', new Uint8Array([0x80]))[0]));
});

test('F4 (E2M1, two a byte): every byte is its low nibble then its high nibble, each by the E2M1 definition', () => {
  // E2M1 (OCP MX v1.0, 5.3.3): sign, 2 exponent bits with bias 1, 1 mantissa bit, subnormal at e = 0.
  const e2m1 = (c: number) => {
    const s = c & 8 ? -1 : 1,
      e = (c >> 1) & 3,
      m = c & 1;
    return e === 0 ? s * m * 0.5 : s * (1 + m / 2) * 2 ** (e - 1);
  };
  const got = decodeToF32('F4', allPatterns(8));
  assert.equal(got.length, 512);
  sameValues(got, (i) => e2m1(i & 1 ? (i >> 1) >> 4 : (i >> 1) & 15), 'F4');
  // 0x71: first value code 1 (0.5), second code 7 (6); 0xF8: -0 then -6.
  assert.deepEqual([...decodeToF32('F4', new Uint8Array([0x71, 0xf8, 0x2c]))], [0.5, 6, -0, -6, -2, 1]);
});

test('C64 and the packed F6 types are refused by name, not decoded', () => {
  for (const d of ['C64', 'F6_E2M3', 'F6_E3M2'] as const) {
    assert.throws(
      () => decodeToF32(d, new Uint8Array(24)),
      (e: unknown) => e instanceof NotDecodableError && e.dtype === d && e.message.includes(`${d} is not decodable`),
    );
  }
});
