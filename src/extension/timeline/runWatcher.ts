/**
 * Watches a training run's folder while its timeline is open: a checkpoint that appears is added
 * once it has completely landed (completeness.ts: every shard its index names, files as long as their
 * headers say, trainer_state.json when the run writes one, nothing changing for a few seconds); a
 * checkpoint that disappears is removed. Half-written checkpoints never reach the timeline.
 */
import * as vscode from 'vscode';
import { CompletenessTracker, DEFAULT_STABLE_MS, snapshotCheckpoint } from '../../analysis/methods/timeline/completeness';
import { discoverCheckpoints, type CheckpointInfo } from '../../analysis/methods/timeline/discover';

/** File events come in bursts while a checkpoint is written: look once they pause. */
const SETTLE_MS = 500;
/** While a checkpoint is pending, look again this often (a writer can be quiet between files). */
const RECHECK_MS = 1000;

export interface RunChanges {
  added: CheckpointInfo[];
  removed: string[];
  /** Checkpoints on the timeline rewritten in place (and complete again). */
  rewritten: CheckpointInfo[];
}

export class RunWatcher implements vscode.Disposable {
  private readonly tracker = new CompletenessTracker(DEFAULT_STABLE_MS);
  /** The files' signature of each checkpoint on the timeline when it was last measured. */
  private readonly measured = new Map<string, string>();
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private again = false;
  private disposed = false;

  /**
   * `known`: the checkpoints on the timeline now; `ignored`: those the user left out (never added
   * back while they stay unchanged).
   */
  constructor(
    private readonly runDir: string,
    private readonly known: Set<string>,
    private readonly ignored: Set<string>,
    private readonly onChange: (changes: RunChanges) => void,
    private readonly log: (message: string) => void,
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(runDir), '**/*'));
    const poke = () => this.schedule(SETTLE_MS);
    this.subs.push(this.watcher, this.watcher.onDidCreate(poke), this.watcher.onDidChange(poke), this.watcher.onDidDelete(poke));
    // A first look records what is on the timeline now, and finds what landed since the pick.
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), ms);
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = true;
    let pending = false;
    try {
      const found = await discoverCheckpoints(this.runDir);
      const present = new Set(found.checkpoints.map((c) => c.path));
      const removed = [...this.known].filter((p) => !present.has(p));
      for (const p of removed) {
        this.known.delete(p);
        this.measured.delete(p);
        this.tracker.forget(p);
      }
      const expectTrainerState = found.checkpoints.some((c) => c.hasTrainerState);
      const added: CheckpointInfo[] = [];
      const rewritten: CheckpointInfo[] = [];
      for (const c of found.checkpoints) {
        if (this.ignored.has(c.path)) continue;
        const snap = await snapshotCheckpoint(c.path, { expectTrainerState });
        const was = this.measured.get(c.path);
        if (this.known.has(c.path) && (was === undefined || was === snap.signature)) {
          // On the timeline and unchanged (the first look records what was measured).
          if (was === undefined && snap.ready) this.measured.set(c.path, snap.signature);
          continue;
        }
        if (this.tracker.observe(snap, Date.now()) !== 'complete') {
          pending = true;
          continue;
        }
        this.measured.set(c.path, snap.signature);
        if (this.known.has(c.path)) rewritten.push(c);
        else {
          this.known.add(c.path);
          added.push(c);
        }
      }
      if (!this.disposed && (added.length || removed.length || rewritten.length)) this.onChange({ added, removed, rewritten });
    } catch (err) {
      this.log(`timeline: could not look at ${this.runDir}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.checking = false;
    }
    if (this.again || pending) {
      this.again = false;
      this.schedule(RECHECK_MS);
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
  }
}
