// Runs inside the extension host (code-server or @vscode/test-electron): the extension as VS Code
// loads it, checked against its own package.json so a contribution without an implementation fails.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';

const EXTENSION_ID = 'layer-lens.layer-lens';

interface Manifest {
  contributes?: {
    commands?: { command: string; title: string }[];
    customEditors?: { viewType: string; selector: { filenamePattern: string }[]; priority?: string }[];
  };
}

function manifest(): Manifest {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(
    ext,
    `extension ${EXTENSION_ID} is not loaded; loaded: ${vscode.extensions.all
      .map((e) => e.id)
      .filter((id) => !id.startsWith('vscode.'))
      .join(', ')}`,
  );
  return ext.packageJSON as Manifest;
}

function workspaceFile(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace folder is not open');
  const uri = vscode.Uri.joinPath(folder.uri, ...segments);
  assert.ok(fs.existsSync(uri.fsPath), `fixture missing: ${uri.fsPath}`);
  return uri;
}

async function activeCustomEditorViewType(timeoutMs = 10_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputCustom) return input.viewType;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

describe('Layer Lens in the extension host', () => {
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('activates without throwing', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers every command its package.json contributes', async () => {
    const contributed = (manifest().contributes?.commands ?? []).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('opens a .safetensors file in its own custom editor by default', async () => {
    const editors = manifest().contributes?.customEditors ?? [];
    const modelEditor = editors.find((e) => e.selector.some((s) => s.filenamePattern.includes('safetensors')));
    assert.ok(modelEditor, 'package.json contributes no custom editor for *.safetensors');
    const uri = workspaceFile('stories260K', 'model.safetensors');
    await vscode.commands.executeCommand('vscode.open', uri);
    assert.equal(await activeCustomEditorViewType(), modelEditor.viewType);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.equal((tab?.input as vscode.TabInputCustom).uri.fsPath, uri.fsPath);
  });
});
