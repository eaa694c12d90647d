/**
 * The checkpoints of a training run, in training order. A run folder holds either Hugging Face
 * Trainer checkpoints — `checkpoint-<step>/` folders, whose step is `global_step` of their
 * `trainer_state.json` when it has one (Trainer writes it with every checkpoint:
 * transformers/trainer.py `Trainer._save_checkpoint` → `TrainerState.save_to_json`, with
 * `PREFIX_CHECKPOINT_DIR = "checkpoint"` from transformers/trainer_utils.py) and the number in the
 * name otherwise — or model folders and weight files whose names carry a step or epoch number
 * (`step_1200/`, `model-epoch3.safetensors`, `ckpt_500.gguf`). Anything else in the folder is left
 * out with the reason, so a user sees why a checkpoint is missing from the timeline.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readJsonFile } from '../../io/readBytes';
import { INDEX_FILE } from '../../io/shardIndex';
import { ModelFileError } from '../../io/modelFileError';

/** Weight files a checkpoint may be (openModel opens them; a folder is a checkpoint when it holds one). */
const WEIGHT_FILE = /\.(safetensors|gguf)$/i;
/** A shard of a sharded checkpoint (`model-00001-of-00004.safetensors`): part of a model, never a checkpoint of its own. */
const SHARD_NAME = /-\d{3,}-of-\d{3,}\.safetensors$/i;
const TRAINER_STATE = 'trainer_state.json';
const MAX_TRAINER_STATE_BYTES = 64 * 1024 * 1024;

export type StepSource = 'trainer_state' | 'name';
export type StepUnit = 'step' | 'epoch';

export interface CheckpointInfo {
  /** Absolute path of the folder or file openModel opens. */
  path: string;
  /** Its name in the run folder. */
  name: string;
  kind: 'folder' | 'file';
  /** Training step (or epoch, see `unit`) the checkpoint was saved at: the timeline's x axis. */
  step: number;
  unit: StepUnit;
  /** Where the step came from. */
  stepFrom: StepSource;
  /** Bytes of its weight files (0 when none are there yet). */
  bytes: number;
  /** Latest modification time of its files (ms since the epoch). */
  mtimeMs: number;
  /** Whether a trainer_state.json sits beside the weights. */
  hasTrainerState: boolean;
}

export interface DiscoveredRun {
  dir: string;
  /** In training order (step, then name). */
  checkpoints: CheckpointInfo[];
  /** Entries that look like checkpoints but were left out, with the reason. */
  skipped: { name: string; reason: string }[];
}

/**
 * The step or epoch a name carries: `checkpoint-1200`, `global_step1200`, `step_1200`, `iter-5`,
 * `epoch3`, `epoch_2.5`; otherwise the name's last integer (`ckpt_500`, `model_0300`). Undefined when the
 * name holds no number.
 */
export function stepOfName(name: string): { step: number; unit: StepUnit } | undefined {
  const stem = name.replace(/\.(safetensors|gguf)$/i, '');
  const trainer = /^checkpoint-(\d+)$/.exec(stem);
  if (trainer) return { step: Number(trainer[1]), unit: 'step' };
  const step = /(?:^|[^a-z])(?:global[_-]?step|step|iter(?:ation)?|it)[_-]?(\d+)/i.exec(stem);
  if (step) return { step: Number(step[1]), unit: 'step' };
  const epoch = /(?:^|[^a-z])epoch[_-]?(\d+(?:\.\d+)?)/i.exec(stem);
  if (epoch) return { step: Number(epoch[1]), unit: 'epoch' };
  const numbers = stem.match(/\d+/g);
  return numbers ? { step: Number(numbers[numbers.length - 1]), unit: 'step' } : undefined;
}

/**
 * `global_step` of a Trainer checkpoint's trainer_state.json (transformers/trainer_callback.py
 * `TrainerState.global_step`); undefined when the file is absent, and an error naming the file when
 * it is there but unreadable or holds no usable step.
 */
export async function trainerStateStep(folder: string): Promise<number | undefined> {
  const file = join(folder, TRAINER_STATE);
  try {
    if (!(await stat(file)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const json = await readJsonFile(file, `${TRAINER_STATE} in ${folder}`, MAX_TRAINER_STATE_BYTES);
  const step = (json as { global_step?: unknown } | null)?.global_step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0)
    throw new ModelFileError(`${file}: "global_step" must be a non-negative integer, got ${JSON.stringify(step)}`, file);
  return step;
}

async function folderWeights(folder: string): Promise<{ names: string[]; index: boolean }> {
  const names = await readdir(folder);
  return { names: names.filter((n) => WEIGHT_FILE.test(n)), index: names.includes(INDEX_FILE) };
}

async function sizeAndTime(paths: string[]): Promise<{ bytes: number; mtimeMs: number }> {
  let bytes = 0;
  let mtimeMs = 0;
  for (const p of paths) {
    try {
      const s = await stat(p);
      bytes += s.size;
      mtimeMs = Math.max(mtimeMs, s.mtimeMs);
    } catch {
      // Removed between listing and stat: the watcher sees it go.
    }
  }
  return { bytes, mtimeMs };
}

/** One entry of the run folder as a checkpoint, or the reason it is not one. */
async function inspectEntry(dir: string, name: string): Promise<CheckpointInfo | { reason: string } | undefined> {
  const path = join(dir, name);
  let s;
  try {
    s = await stat(path);
  } catch {
    return undefined;
  }
  if (s.isDirectory()) {
    const fromName = stepOfName(name);
    const { names, index } = await folderWeights(path);
    const trainerStyle = /^checkpoint-\d+$/.test(name);
    if (names.length === 0 && !index) return trainerStyle ? { reason: 'no weight files yet' } : undefined;
    let fromState: number | undefined;
    try {
      fromState = await trainerStateStep(path);
    } catch (err) {
      return { reason: err instanceof Error ? err.message : String(err) };
    }
    if (fromState === undefined && !fromName) return { reason: 'its name carries no step or epoch number and it has no trainer_state.json' };
    const files = [...names.map((n) => join(path, n)), join(path, TRAINER_STATE)];
    const { bytes, mtimeMs } = await sizeAndTime(files);
    return {
      path,
      name,
      kind: 'folder',
      step: fromState ?? fromName!.step,
      unit: fromState === undefined ? fromName!.unit : 'step',
      stepFrom: fromState === undefined ? 'name' : 'trainer_state',
      bytes,
      mtimeMs,
      hasTrainerState: fromState !== undefined,
    };
  }
  if (!s.isFile() || !WEIGHT_FILE.test(name) || SHARD_NAME.test(name)) return undefined;
  const fromName = stepOfName(name);
  if (!fromName) return { reason: 'its name carries no step or epoch number' };
  return { path, name, kind: 'file', ...fromName, stepFrom: 'name', bytes: s.size, mtimeMs: s.mtimeMs, hasTrainerState: false };
}

/** Training order: steps before epochs if a folder mixes both, then by number, then by name. */
export function compareCheckpoints(a: Pick<CheckpointInfo, 'step' | 'unit' | 'name'>, b: Pick<CheckpointInfo, 'step' | 'unit' | 'name'>): number {
  if (a.unit !== b.unit) return a.unit === 'step' ? -1 : 1;
  return a.step - b.step || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The checkpoints of the run folder `dir`, in training order. */
export async function discoverCheckpoints(dir: string): Promise<DiscoveredRun> {
  const full = resolve(dir);
  let s;
  try {
    s = await stat(full);
  } catch {
    throw new ModelFileError(`No such folder: ${dir}`);
  }
  if (!s.isDirectory()) throw new ModelFileError(`${dir} is not a folder: a training timeline reads a folder of checkpoints`);
  const checkpoints: CheckpointInfo[] = [];
  const skipped: DiscoveredRun['skipped'] = [];
  for (const name of (await readdir(full)).sort()) {
    const got = await inspectEntry(full, name);
    if (!got) continue;
    if ('reason' in got) skipped.push({ name, reason: got.reason });
    else checkpoints.push(got);
  }
  checkpoints.sort(compareCheckpoints);
  return { dir: full, checkpoints, skipped };
}

/** The step label of a checkpoint: `step 1200`, `epoch 3`. */
export function stepLabel(c: Pick<CheckpointInfo, 'step' | 'unit'>): string {
  return `${c.unit} ${c.step}`;
}
