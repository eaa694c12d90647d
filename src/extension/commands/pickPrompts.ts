/**
 * The first question of the prompt-driven analyses (activation, persistence): the built-in prompt
 * sets, or a prompt file the user picks. Resolves to the file's path, `null` for the built-in
 * sets, or undefined when the user cancels.
 */
import * as vscode from 'vscode';

export async function pickPromptFile(hints: { builtin: string; file: string }): Promise<string | null | undefined> {
  const source = await vscode.window.showQuickPick(
    [
      { label: 'Built-in prompt sets', description: hints.builtin, id: 'builtin' },
      { label: 'A prompt file…', description: hints.file, id: 'file' },
    ],
    { title: 'Layer Lens: which prompts?' },
  );
  if (!source) return undefined;
  if (source.id === 'builtin') return null;
  const file = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectMany: false,
    openLabel: 'Use prompts',
    title: 'Layer Lens: choose a prompt file',
    filters: { Prompts: ['txt', 'jsonl'] },
  });
  return file?.[0]?.fsPath;
}
