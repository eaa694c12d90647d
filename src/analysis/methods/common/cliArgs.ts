/**
 * Command-line argument parsing shared by the analyses' CLI specs (methods/<analysis>/cli.ts) and
 * the other subcommands: one string option, layer lists ("0,2", "2-5"), matrix-kind lists
 * ("q,k,v", "all"). Every mistake is a UsageError naming the flag, so the CLI prints the command's
 * usage and exits with code 2.
 */
import { MATRIX_KINDS, MATRIX_ROLES, type MatrixKind, type MatrixRole } from '../../model/types';
import type { CliValues } from '../analysis';

/** Thrown for wrong arguments: the CLI prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The value of `--key`, or undefined when absent; a bare `--key` without a value is a usage error. */
export function stringOption(values: CliValues, key: string): string | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${key} needs a value`);
  return v;
}

/** "3", "0,2,4", "2-5", "0-3,8" → sorted distinct layer indices, at least `min` of them. */
export function parseLayerList(text: string, flag = '--layer', min = 1): number[] {
  const out = new Set<number>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`${flag}: '${part}' is not a layer index or a range like 2-5`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UsageError(`${flag}: range '${part}' runs backwards`);
    for (let l = a; l <= b; l++) out.add(l);
  }
  if (out.size < min) throw new UsageError(min === 1 ? `${flag} needs at least one layer index` : `${flag} needs at least ${min} layers`);
  return [...out].sort((x, y) => x - y);
}

/** "q,k,v" → matrix kinds; "all" → every kind when `allowAll`. */
/**
 * `--kind` for analyses that also take the router and MLA's factor matrices (`router`, `q_a`, `q_b`,
 * `kv_a`, `kv_b`); `all` stays the seven.
 */
export function parseMatrixKindList(text: string, allowAll = false): MatrixKind[] {
  if (allowAll && text === 'all') return [...MATRIX_ROLES];
  const kinds = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const choices = `${MATRIX_KINDS.join(', ')}${allowAll ? ', all' : ''}`;
  for (const k of kinds) if (!MATRIX_KINDS.includes(k as MatrixKind)) throw new UsageError(`--kind: '${k}' is not one of ${choices}`);
  if (kinds.length === 0) throw new UsageError('--kind needs at least one matrix kind');
  return kinds as MatrixKind[];
}

export function parseKindList(text: string, allowAll = false): MatrixRole[] {
  if (allowAll && text === 'all') return [...MATRIX_ROLES];
  const kinds = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const choices = `${MATRIX_ROLES.join(', ')}${allowAll ? ', all' : ''}`;
  for (const k of kinds) if (!MATRIX_ROLES.includes(k as MatrixRole)) throw new UsageError(`--kind: '${k}' is not one of ${choices}`);
  if (kinds.length === 0) throw new UsageError('--kind needs at least one matrix kind');
  return kinds as MatrixRole[];
}
