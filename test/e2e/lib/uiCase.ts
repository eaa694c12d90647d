// One UI end-to-end case per file in test/e2e/ui/: `export default uiCase({...})`. The runner
// (test/e2e/run-e2e.mjs) gives every case a fresh workspace folder filled by `setup`, a fresh
// browser page with the workbench open on it, and a screenshot folder test-results/e2e/<file>/.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Workbench } from './workbench';

export interface UiCase {
  /** What a user does and sees, in one sentence. */
  title: string;
  /** Whole-case limit; the runner fails the case when it is exceeded (default 120 s). */
  timeoutMs?: number;
  /** A workspace-relative file the workbench URL opens at startup (as `npm start` does). */
  openFile?: string;
  /** Fills the case's empty workspace folder before the workbench opens it. */
  setup?: (workspace: CaseWorkspace) => Promise<void> | void;
  run: (wb: Workbench, workspace: CaseWorkspace) => Promise<void>;
}

export function uiCase(c: UiCase): UiCase {
  return c;
}

export const repoRoot = resolve(__dirname, '..', '..', '..');

function contributedCommand(id: string): { title: string; category?: string } {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const cmd = (manifest.contributes?.commands ?? []).find((c: { command: string }) => c.command === id);
  if (!cmd) throw new Error(`package.json does not contribute ${id}`);
  return cmd;
}

/** The title package.json gives command `id` (context menus show it). */
export function commandTitle(id: string): string {
  return contributedCommand(id).title;
}

/** Command `id` as the command palette lists it: "Category: Title". */
export function paletteTitle(id: string): string {
  const cmd = contributedCommand(id);
  return cmd.category ? `${cmd.category}: ${cmd.title}` : cmd.title;
}

/** The real trained model committed under test/fixtures/models/stories260K. */
export const STORIES_260K = resolve(repoRoot, 'test', 'fixtures', 'models', 'stories260K');
/** The project's own trained sample model (`npm run train-sample` writes it). */
export const SAMPLE_MODEL = join(repoRoot, 'media', 'sample-model');

export class CaseWorkspace {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  /** Copies a model folder (config.json, *.safetensors, tokenizer files) into `as`. */
  copyModel(from: string, as: string): string {
    if (!existsSync(join(from, 'config.json'))) throw new Error(`no model folder at ${from} (config.json missing)`);
    const to = this.path(as);
    cpSync(from, to, { recursive: true, filter: (src) => !src.includes(`${from}/corpus`) });
    return to;
  }

  copyFile(from: string, rel: string): string {
    const to = this.path(rel);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    return to;
  }

  writeFile(rel: string, data: string | Uint8Array): string {
    const to = this.path(rel);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, data);
    return to;
  }
}
