/**
 * Reading an analysis command's flags into the values its options validator checks: numbers and
 * integers by syntax only (the validator checks the range, and names the option), and the
 * validator's own rejection turned into a usage error, so the CLI prints the command's usage and
 * exits with code 2.
 */
import type { CliValues } from '../analysis';
import { UsageError } from './cliArgs';

/** `--key` as a finite number, or undefined when absent. */
export function numberFlag(values: CliValues, key: string): number | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got '${String(v)}'`);
  return n;
}

/** `--key` as an integer, or undefined when absent. */
export function integerFlag(values: CliValues, key: string): number | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n)) throw new UsageError(`--${key} must be an integer, got '${String(v)}'`);
  return n;
}

/** The options validator's result; what it rejects becomes a usage error with its message. */
export function validatedFlags<T>(validate: () => T): T {
  try {
    return validate();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
