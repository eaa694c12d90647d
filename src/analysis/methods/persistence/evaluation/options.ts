/**
 * The one validator of the pruning curves' options: they arrive from another process (the worker
 * request 'persistence/pruneCurves') or the command line, so every field is checked, and every
 * rejection names the option.
 */
import { isObject, optionReader } from '../../common/options';
import { parsePersistenceJobParams } from '../options';
import { isHeldOutSource } from './heldOut';
import type { PruneCurvesParams } from './job';
import { CURVE_METHODS, type CurveMethod } from './removal';

const read = optionReader('pruning curves');

export function parsePruneCurvesParams(raw: unknown): PruneCurvesParams {
  if (!isObject(raw)) throw new Error('pruning curves options must be an object');
  const out: PruneCurvesParams = { persistence: parsePersistenceJobParams(raw.persistence) };
  const maxRemoved = read.integer(raw, 'maxRemoved', 0, 1 << 16);
  if (maxRemoved !== undefined) out.maxRemoved = maxRemoved;
  const maxEvalTokens = read.integer(raw, 'maxEvalTokens', 2, 1 << 20);
  if (maxEvalTokens !== undefined) out.maxEvalTokens = maxEvalTokens;
  if (read.present(raw, 'heldOut')) {
    if (!isHeldOutSource(raw.heldOut)) read.fail('heldOut', "{kind:'file', path}, {kind:'text', text} or {kind:'builtin'}");
    out.heldOut = raw.heldOut as PruneCurvesParams['heldOut'];
  }
  if (read.present(raw, 'choicesFile')) {
    if (typeof raw.choicesFile !== 'string' || raw.choicesFile === '') read.fail('choicesFile', 'a JSONL file path');
    out.choicesFile = raw.choicesFile as string;
  }
  if (read.present(raw, 'methods')) {
    const m = raw.methods;
    if (!Array.isArray(m) || m.length === 0 || !m.every((x) => (CURVE_METHODS as readonly unknown[]).includes(x)))
      read.fail('methods', `a non-empty list of ${CURVE_METHODS.map((x) => `'${x}'`).join(', ')}`);
    out.methods = [...new Set(m as CurveMethod[])];
  }
  return out;
}
