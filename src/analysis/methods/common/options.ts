/**
 * The validators every analysis's parseOptions is written with. Options arrive from another process
 * (a worker request), a webview (a panel's re-run) or the command line: only well-formed values
 * pass, and every rejection is an Error whose message names the analysis and the option.
 */
import { MATRIX_KINDS, MATRIX_ROLES, type MatrixKind, type MatrixRole } from '../../model/types';

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A validator bound to one analysis's name, so every message says whose option is wrong. */
export function optionReader(analysis: string) {
  const fail = (key: string, what: string): never => {
    throw new Error(`${analysis} option '${key}' must be ${what}`);
  };
  const present = (o: Record<string, unknown>, key: string) => o[key] !== undefined && o[key] !== null;
  /** A non-empty list whose every item is one of `allowed`. */
  const listOf = <T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[]): T[] | undefined => {
    if (!present(o, key)) return undefined;
    const v = o[key];
    if (!Array.isArray(v) || v.length === 0 || !v.every((k) => allowed.includes(k as T))) fail(key, `a non-empty list of ${allowed.join(', ')}`);
    return v as T[];
  };
  return {
    fail,
    present,
    boolean(o: Record<string, unknown>, key: string): boolean | undefined {
      if (!present(o, key)) return undefined;
      if (typeof o[key] !== 'boolean') fail(key, `true or false, got ${JSON.stringify(o[key])}`);
      return o[key] as boolean;
    },
    integer(o: Record<string, unknown>, key: string, min: number, max: number, what = `an integer in [${min}, ${max}]`): number | undefined {
      if (!present(o, key)) return undefined;
      const v = o[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(key, what);
      return v as number;
    },
    oneOf<T extends string>(o: Record<string, unknown>, key: string, choices: readonly T[], what = choices.map((c) => `'${c}'`).join(' or ')): T | undefined {
      if (!present(o, key)) return undefined;
      if (!choices.includes(o[key] as T)) fail(key, what);
      return o[key] as T;
    },
    layers(o: Record<string, unknown>, key: string, min = 1): number[] | undefined {
      if (!present(o, key)) return undefined;
      const v = o[key];
      if (!Array.isArray(v) || v.length < min || !v.every((l) => Number.isInteger(l) && l >= 0 && l < 1e6)) {
        fail(key, min === 1 ? 'a non-empty list of layer indices' : `a list of at least ${min} layer indices`);
      }
      return v as number[];
    },
    kinds(o: Record<string, unknown>, key: string): MatrixRole[] | undefined {
      return listOf(o, key, MATRIX_ROLES);
    },
    /** Like `kinds`, also accepting the router and MLA's factor matrices. */
    matrixKinds(o: Record<string, unknown>, key: string): MatrixKind[] | undefined {
      return listOf(o, key, MATRIX_KINDS);
    },
  };
}
