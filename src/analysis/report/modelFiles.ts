/**
 * The model's identity for a report, read from disk where the report is written (Node only): the
 * path, the architecture and every file the model was read from, with its size and modification
 * time, so a reader can tell which checkpoint the numbers belong to.
 */
import { stat } from 'node:fs/promises';
import type { ReportFile, ReportModel } from './types';

export async function reportFiles(paths: readonly string[]): Promise<ReportFile[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        const s = await stat(path);
        return { path, bytes: s.size, modified: s.mtime.toISOString() };
      } catch {
        return { path };
      }
    }),
  );
}

/** A model as a report names it; `files` are the files it was read from. */
export async function reportModel(m: { path: string; architectureLabel?: string; architecture?: string; files?: readonly string[] }): Promise<ReportModel> {
  return { path: m.path, architecture: m.architectureLabel || m.architecture, files: await reportFiles(m.files ?? [m.path]) };
}
