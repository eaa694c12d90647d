/**
 * The parts of a SentencePiece `tokenizer.model` (a serialized `sentencepiece.ModelProto`) that
 * the encoder binding does not expose: the piece table and the special ids. Read field by field
 * from the protobuf wire format, as google/sentencepiece src/sentencepiece_model.proto defines it:
 *   ModelProto      { repeated SentencePiece pieces = 1; TrainerSpec trainer_spec = 2; … }
 *   SentencePiece   { string piece = 1; float score = 2; Type type = 3 (NORMAL = 1, UNKNOWN = 2,
 *                     CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6; default NORMAL) }
 *   TrainerSpec     { int32 unk_id = 40 (default 0); int32 bos_id = 41 (default 1);
 *                     int32 eos_id = 42 (default 2); int32 pad_id = 43 (default −1) }
 * Every other field is skipped by its wire type. The file is untrusted: a truncated or malformed
 * message is an error that says where, never a silent partial vocabulary.
 */

export interface SentencePieceVocab {
  /** Piece strings by id (`▁the`, `<0x0A>`, `<s>` …). */
  pieces: string[];
  /** SentencePiece type of each piece (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte). */
  types: number[];
  unkId: number;
  /** −1 when the model has none. */
  bosId: number;
  eosId: number;
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    readonly what: string,
  ) {
    this.pos = start;
  }

  fail(why: string): never {
    throw new Error(`${this.what}: ${why} at byte ${this.pos}`);
  }

  /** A varint: `lo` its low 32 bits as a signed int32 (proto int32, negative ids included), `value` the whole number (exact below 2^53). */
  varint(): { lo: number; value: number } {
    let lo = 0,
      value = 0,
      scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('the message ends inside a varint');
      const b = this.buf[this.pos++];
      if (i < 5) lo |= (b & 0x7f) << (7 * i);
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return { lo: lo | 0, value };
    }
    return this.fail('a varint is longer than 10 bytes');
  }

  /** The byte range of a length-delimited field. */
  bytes(): [number, number] {
    const n = this.varint().value;
    if (n > this.end - this.pos) this.fail(`a field claims ${n} bytes, more than the ${this.end - this.pos} left`);
    const start = this.pos;
    this.pos += n;
    return [start, this.pos];
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytes();
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (this.end - this.pos < n) this.fail('the message ends inside a fixed-width field');
      this.pos += n;
    } else this.fail(`wire type ${wire} is not used by sentencepiece models`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readPiece(r: Reader, start: number, end: number, id: number): { piece: string; type: number } {
  const m = new Reader(r.buf, start, end, `${r.what}: piece ${id}`);
  let piece: string | null = null,
    type = 1;
  while (m.pos < m.end) {
    const key = m.varint().value;
    const field = Math.floor(key / 8),
      wire = key % 8;
    if (field === 1 && wire === 2) {
      const [s, e] = m.bytes();
      try {
        piece = utf8.decode(r.buf.subarray(s, e));
      } catch {
        m.fail('the piece is not valid UTF-8');
      }
    } else if (field === 3 && wire === 0) type = m.varint().lo;
    else m.skip(wire);
  }
  if (piece === null || piece === '') return m.fail('the piece has no text');
  return { piece, type };
}

/** Parses the piece table and the trainer spec's special ids of a serialized ModelProto. */
export function readSentencePieceVocab(bytes: Uint8Array | Buffer, what = 'tokenizer.model'): SentencePieceVocab {
  const buf = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf, 0, buf.length, what);
  const pieces: string[] = [],
    types: number[] = [];
  const ids = { unkId: 0, bosId: 1, eosId: 2 };
  while (r.pos < r.end) {
    const key = r.varint().value;
    const field = Math.floor(key / 8),
      wire = key % 8;
    if (field === 1 && wire === 2) {
      const [s, e] = r.bytes();
      const p = readPiece(r, s, e, pieces.length);
      pieces.push(p.piece);
      types.push(p.type);
    } else if (field === 2 && wire === 2) {
      const [s, e] = r.bytes();
      const t = new Reader(buf, s, e, `${what}: trainer_spec`);
      while (t.pos < t.end) {
        const k = t.varint().value;
        const f = Math.floor(k / 8),
          w = k % 8;
        if (w === 0 && f >= 40 && f <= 42) ids[(['unkId', 'bosId', 'eosId'] as const)[f - 40]] = t.varint().lo;
        else t.skip(w);
      }
    } else r.skip(wire);
  }
  if (pieces.length === 0) throw new Error(`${what} holds no sentence pieces: it is not a SentencePiece model`);
  for (const [k, v] of Object.entries(ids)) {
    if (v >= pieces.length) throw new Error(`${what}: ${k} ${v} is outside the ${pieces.length} pieces`);
  }
  return { pieces, types, unkId: ids.unkId, bosId: ids.bosId < 0 ? -1 : ids.bosId, eosId: ids.eosId < 0 ? -1 : ids.eosId };
}
