/**
 * The buttons of a command's error notification, by what the message says: Manage Workspace Trust
 * for Restricted Mode, Open Settings where a setting is named, Show Log always, and Retry (the same
 * command with the same arguments) where trying again can help. Pure, so that it is tested
 * without VS Code.
 */
export type ErrorAction = { label: string; kind: 'retry' } | { label: string; kind: 'command'; command: [string, ...unknown[]] };

export function errorActions(message: string): ErrorAction[] {
  const out: ErrorAction[] = [];
  if (/trusted workspace|Restricted Mode/i.test(message)) out.push({ label: 'Manage Workspace Trust', kind: 'command', command: ['workbench.trust.manage'] });
  const setting = /layerLens\.[A-Za-z.]+[A-Za-z]/.exec(message)?.[0];
  if (setting) out.push({ label: 'Open Settings', kind: 'command', command: ['workbench.action.openSettings', setting] });
  // A choice the user has to change (trust, a wrong pick) is not helped by the same call again.
  if (!/trusted workspace|select |choose |pick /i.test(message)) out.push({ label: 'Retry', kind: 'retry' });
  out.push({ label: 'Show Log', kind: 'command', command: ['layerLens.showWorkerLog'] });
  return out;
}
