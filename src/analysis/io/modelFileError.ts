/**
 * The one error type every model-file reader throws for a file that is damaged, hostile or not what
 * its name says (safetensors header, shard index, config.json, tokenizer.json, a short read). Its
 * message is meant for the user as is; code that must tell "the file is bad" apart from "we have a
 * bug" (the fuzz tests, the worker's error codes) checks `instanceof ModelFileError`.
 */
export class ModelFileError extends Error {
  constructor(
    message: string,
    /** The file at fault, when there is one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}
