/**
 * Shared rules of the parser fuzz tests. Every case must end one of two ways: a parse, or a
 * ModelFileError (the typed, user-readable error of src/analysis/io/modelFileError.ts); anything
 * else (TypeError, RangeError, a raw errno, a hang) fails the test and fast-check prints the seed
 * and path that reproduce it (`FUZZ_SEED=<seed>` re-runs the same inputs).
 *
 * Hangs: fast-check's `timeout` only catches an async case that never settles. A synchronous
 * infinite loop blocks the event loop, so a watchdog thread (which keeps running while the main
 * thread is stuck) watches the start time of the current case in shared memory and, past the limit,
 * writes which case hung straight to fd 2 and kills the process: the test file fails instead of
 * hanging the suite.
 */
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';

/** One seed for every fuzz file: reproducible by default, overridable to explore further. */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20240611;
/** No single case may run longer than this (the slowest legitimate case takes a few ms). */
export const CASE_LIMIT_MS = 2000;

const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const state = new Int32Array(workerData.shared);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  Atomics.wait(sleeper, 0, 0, 100);
  const started = Atomics.load(state, 0);
  if (Atomics.load(state, 2) === 1) break;
  if (started !== 0 && (Date.now() - workerData.base) - started > workerData.limit) {
    writeSync(2, '\\nfuzz watchdog: case ' + Atomics.load(state, 1) + ' of ' + workerData.name + ' ran over ' + workerData.limit + ' ms (seed ' + workerData.seed + '); killing the test process\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}
`;

export interface CaseClock {
  /** Marks the start of case `index`; returns the time it started (ms). */
  begin(index: number): number;
  /** Marks the end of the current case; returns its duration (ms). */
  end(): number;
  /** Longest case so far (ms). */
  readonly slowest: number;
  stop(): Promise<void>;
}

export function startCaseClock(name: string): CaseClock {
  const shared = new SharedArrayBuffer(12);
  const state = new Int32Array(shared);
  const base = Date.now() - 1;
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { shared, base, limit: CASE_LIMIT_MS, name, seed: FUZZ_SEED } });
  worker.unref();
  let started = 0;
  let slowest = 0;
  return {
    begin(index) {
      started = performance.now();
      Atomics.store(state, 1, index);
      Atomics.store(state, 0, Date.now() - base);
      return started;
    },
    end() {
      Atomics.store(state, 0, 0);
      const ms = performance.now() - started;
      slowest = Math.max(slowest, ms);
      return ms;
    },
    get slowest() {
      return slowest;
    },
    async stop() {
      Atomics.store(state, 2, 1);
      await worker.terminate();
    },
  };
}

/** Passes for a ModelFileError with a real message; rethrows anything else so fast-check reports it. */
export function assertTypedRejection(err: unknown, context: string): void {
  if (!(err instanceof ModelFileError)) {
    const e = err as Error;
    assert.fail(`${context}: expected a ModelFileError, got ${e?.name ?? typeof err}: ${e?.message ?? String(err)}\n${e?.stack ?? ''}`);
  }
  assert.ok(err.message.length >= 10 && err.message.length <= 2000, `${context}: unhelpful message ${JSON.stringify(err.message)}`);
  // A message the user reads must not be a stack trace or an object dump.
  assert.doesNotMatch(err.message, /\[object Object\]|\n\s+at /, `${context}: message ${JSON.stringify(err.message)}`);
}

/**
 * fast-check settings shared by every fuzz property: fixed seed, exact case count, a per-case
 * async timeout, and a whole-property time bound that fails (not silently shortens) the run.
 */
export function fuzzParams<T>(numRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns, timeout: CASE_LIMIT_MS, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true, endOnFailure: true };
}

/** Writes one line of figures the lead copies into the README (cases, wall time, slowest case). */
export function report(name: string, cases: number, ms: number, clock: CaseClock, extra = ''): void {
  console.log(`# fuzz ${name}: ${cases} cases in ${(ms / 1000).toFixed(2)} s, slowest case ${clock.slowest.toFixed(1)} ms${extra ? `; ${extra}` : ''}`);
}

/**
 * Byte-level mutations of a valid input: flips, overwrites with bytes that matter to JSON and to
 * little-endian lengths, cuts, insertions and deletions. Positions are fractions of `region(b)`
 * bytes (e.g. the header), so one mutation applies to inputs of any length.
 */
export function byteMutation(region: (b: Uint8Array) => number = (b) => b.length): fc.Arbitrary<(b: Uint8Array) => Uint8Array> {
  const frac = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
  const at = (f: number, b: Uint8Array) => Math.floor(f * Math.max(1, Math.min(b.length, region(b))));
  const interesting = fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x2d, 0x30, 0x39, 0x65);
  const set = (f: number, v: number) => (b: Uint8Array) => {
    const p = at(f, b);
    if (p < b.length) b[p] = v;
    return b;
  };
  const one: fc.Arbitrary<(b: Uint8Array) => Uint8Array> = fc.oneof(
    fc.tuple(frac, fc.integer({ min: 0, max: 255 })).map(([f, v]) => set(f, v)),
    fc.tuple(frac, interesting).map(([f, v]) => set(f, v)),
    fc.tuple(frac, fc.integer({ min: 0, max: 7 })).map(([f, bit]) => (b: Uint8Array) => {
      const p = at(f, b);
      if (p < b.length) b[p] ^= 1 << bit;
      return b;
    }),
    frac.map((f) => (b: Uint8Array) => b.slice(0, Math.floor(f * b.length))),
    fc.tuple(frac, fc.uint8Array({ maxLength: 16 })).map(([f, ins]) => (b: Uint8Array) => {
      const p = at(f, b);
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, p));
      out.set(ins, p);
      out.set(b.subarray(p), p + ins.length);
      return out;
    }),
    fc.tuple(frac, fc.nat({ max: 32 })).map(([f, n]) => (b: Uint8Array) => {
      const p = at(f, b);
      const cut = Math.min(n, b.length - p);
      const out = new Uint8Array(b.length - cut);
      out.set(b.subarray(0, p));
      out.set(b.subarray(p + cut), p);
      return out;
    }),
  );
  return fc.array(one, { minLength: 1, maxLength: 4 }).map((ops) => (b: Uint8Array) => ops.reduce<Uint8Array>((acc, op) => op(acc), Uint8Array.from(b)));
}

/** Structural mutations of a parsed JSON document: replace, delete or retype a random node. */
export function jsonMutation(): fc.Arbitrary<(doc: unknown) => unknown> {
  const replacement = fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(null, 0, -1, 1.5, 2 ** 53, 1e308, -1e308, '', '..', '../x', '\u0000', [], {}, true, 'NaN', 1e21, 4294967296),
    },
  );
  const op = fc.tuple(fc.nat(), fc.constantFrom('replace', 'delete', 'wrap'), replacement).map(([pick, kind, value]) => (doc: unknown) => {
    const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
    const walk = (v: unknown) => {
      if (nodes.length > 20000 || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) v.forEach((x, i) => (nodes.push({ parent: v, key: i }), walk(x)));
      else for (const k of Object.keys(v)) (nodes.push({ parent: v as Record<string, unknown>, key: k }), walk((v as Record<string, unknown>)[k]));
    };
    walk(doc);
    if (nodes.length === 0) return value;
    const { parent, key } = nodes[pick % nodes.length];
    const obj = parent as Record<string | number, unknown>;
    if (kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete obj[key];
    } else if (kind === 'wrap') obj[key] = [obj[key]];
    else obj[key] = value;
    return doc;
  });
  return fc.array(op, { minLength: 1, maxLength: 3 }).map((ops) => (doc: unknown) => ops.reduce((acc, f) => f(acc), structuredClone(doc)));
}

/** fc.assert with fuzzParams, rethrowing with the failing assertion's own text (node:test omits `cause`). */
export async function checkProperty<T>(property: fc.IAsyncPropertyWithHooks<T>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, fuzzParams<T>(numRuns));
  } catch (e) {
    const cause = (e as Error).cause;
    const why = cause instanceof Error ? cause.message : cause === undefined ? '' : String(cause);
    throw new Error(`${(e as Error).message.slice(0, 4000)}\nCause: ${why.slice(0, 4000)}`);
  }
}
