/**
 * A .safetensors file VS Code opened before Layer Lens's editor was registered — the file given
 * in the workbench URL by `npm start`, a click in the explorer during the first seconds of a
 * development host, a tab restored with the window — shows VS Code's "binary file" notice in a
 * text tab instead of the model editor. On activation (and for tabs that appear during the next
 * few seconds of startup) such tabs are reopened in the model editor, in the same group.
 */
import * as vscode from 'vscode';
import { MODEL_EDITOR_VIEW_TYPE } from './activeModel';
import { isModelFile } from '../../analysis/io/modelFileKinds';

/** Tabs opened this long after activation are the user's own choice ("Reopen With…"): left alone. */
const STARTUP_WINDOW_MS = 10_000;

function isSafetensorsTextTab(tab: vscode.Tab): tab is vscode.Tab & { input: vscode.TabInputText } {
  return tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === 'file' && isModelFile(tab.input.uri.path);
}

/** The text tab of `uri` as the extension host knows it now (tab objects are replaced on updates). */
function textTabOf(uri: vscode.Uri): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => isSafetensorsTextTab(t) && t.input.uri.toString() === uri.toString());
}

async function reopen(tab: vscode.Tab & { input: vscode.TabInputText }, log: vscode.LogOutputChannel): Promise<void> {
  const uri = tab.input.uri;
  try {
    await vscode.commands.executeCommand('vscode.openWith', uri, MODEL_EDITOR_VIEW_TYPE, {
      viewColumn: tab.group.viewColumn,
      preserveFocus: !tab.isActive,
      preview: tab.isPreview,
    });
    // Opening the model editor changes the tab model; until the extension host has the update, a
    // Tab object it hands out may be stale ("tab not found"), so look the text tab up again.
    for (let attempt = 0; ; attempt++) {
      const stale = textTabOf(uri);
      if (!stale) return;
      try {
        await vscode.window.tabGroups.close(stale, true);
        return;
      } catch (err) {
        if (attempt >= 10) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    log.warn(`could not reopen ${uri.fsPath} in the model editor: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function reopenSafetensorsTextTabs(log: vscode.LogOutputChannel): vscode.Disposable {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) if (isSafetensorsTextTab(tab)) void reopen(tab, log);
  }
  const until = Date.now() + STARTUP_WINDOW_MS;
  const sub = vscode.window.tabGroups.onDidChangeTabs((e) => {
    if (Date.now() > until) {
      sub.dispose();
      return;
    }
    for (const tab of e.opened) if (isSafetensorsTextTab(tab)) void reopen(tab, log);
  });
  const timer = setTimeout(() => sub.dispose(), STARTUP_WINDOW_MS);
  return { dispose: () => (clearTimeout(timer), sub.dispose()) };
}
