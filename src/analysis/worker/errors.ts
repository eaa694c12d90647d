/**
 * Turns whatever a handler threw into the data that crosses the process boundary: a stable code the
 * extension can act on and a message meant for the user. Programming errors (TypeError & co.) are
 * 'internal'; a missing file is 'not-found'; every other Error is a problem with the input, whose
 * message the readers and methods write for the user.
 */
import { CancelledError } from '../jobs';
import type { WorkerErrorData } from '../../protocol/worker';
import type { CachedRun } from '../cache/resultCache';

const PROGRAMMING_ERRORS = [TypeError, ReferenceError, SyntaxError, RangeError, EvalError, URIError];

/** Thrown by handlers for invalid request parameters and by anything that wants an explicit code. */
export class WorkerError extends Error {
  constructor(
    readonly code: WorkerErrorData['code'],
    message: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

export function toWorkerErrorData(err: unknown): WorkerErrorData {
  if (err instanceof CancelledError || (err instanceof Error && err.name === 'AbortError')) {
    return { code: 'cancelled', message: 'The job was cancelled.' };
  }
  if (err instanceof WorkerError) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    const sys = err as NodeJS.ErrnoException;
    if (sys.code === 'ENOENT' || sys.code === 'ENOTDIR') {
      return { code: 'not-found', message: `Not found: ${sys.path ?? err.message}` };
    }
    if (sys.code === 'EACCES' || sys.code === 'EPERM') {
      return { code: 'bad-input', message: `Permission denied: ${sys.path ?? err.message}` };
    }
    if (sys.code === 'EISDIR') return { code: 'bad-input', message: `Expected a file but found a folder: ${sys.path ?? err.message}` };
    if (sys.code === 'ERR_OUT_OF_RANGE' || sys.code === 'ERR_BUFFER_TOO_LARGE') {
      return { code: 'internal', message: err.message };
    }
    if (PROGRAMMING_ERRORS.some((t) => err.constructor === t)) {
      return { code: 'internal', message: `Internal error: ${err.message}` };
    }
    return { code: 'bad-input', message: err.message };
  }
  return { code: 'internal', message: `Internal error: ${String(err)}` };
}

/** Request parameters come from another process: check their shape before any handler uses them. */
export function requireString(params: unknown, key: string): string {
  const v = (params as Record<string, unknown> | null)?.[key];
  if (typeof v !== 'string' || v.length === 0) throw new WorkerError('bad-input', `Parameter '${key}' must be a non-empty string.`);
  return v;
}

/** The CachedRun parameters of a request, checked: 'cacheDir' a folder path, 'force' true when given as true. */
export function cachedRunParams(params: unknown): CachedRun {
  const p = params as Record<string, unknown> | null;
  const cacheDir = p?.cacheDir;
  if (cacheDir !== undefined && (typeof cacheDir !== 'string' || cacheDir.length === 0))
    throw new WorkerError('bad-input', "Parameter 'cacheDir' must be a folder path.");
  return { cacheDir, force: p?.force === true };
}

export function optionalInteger(params: unknown, key: string, min: number, max: number): number | undefined {
  const v = (params as Record<string, unknown> | null)?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new WorkerError('bad-input', `Parameter '${key}' must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}.`);
  }
  return v;
}
