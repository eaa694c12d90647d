/**
 * Types of @agnai/sentencepiece-js (the package ships JavaScript only): Google's C++ SentencePiece
 * compiled to WebAssembly with embind. Only what sentencePieceTokenizer.ts uses is declared.
 */
declare module '@agnai/sentencepiece-js' {
  interface EmbindStatus {
    ToString(): string;
    delete(): void;
  }
  export class SentencePieceProcessor {
    /** The embind `sentencepiece::SentencePieceProcessor`, set by load(). */
    processor: { status(): EmbindStatus };
    /** Instantiates the WebAssembly module and loads the model file at `path`. */
    load(path: string): Promise<void>;
    encodeIds(text: string): number[];
    decodeIds(ids: number[]): string;
  }
}
