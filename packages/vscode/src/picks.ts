/** Quick picks of the store's runs and recordings (failed first), and the commands that debug the one picked. */
import * as vscode from 'vscode';
import { listRecordings, listRuns, recordingLine, runLine, type PickLine } from './listing.js';
import { recordingConfig, runConfig } from './launch.js';
import { currentCli, mainFolder, storeSetting } from './settings.js';

type Item = vscode.QuickPickItem & { id: string };

const toItem = (l: PickLine): Item => ({ id: l.id, label: l.label, description: l.description, ...(l.detail ? { detail: l.detail } : {}) });

/** Shows a picker over lines the CLI lists; undefined when the user closes it or there is nothing to pick. */
async function pick(what: 'run' | 'recording'): Promise<string | undefined> {
  const folder = mainFolder();
  if (!folder) throw new Error(`open the folder of your project first: Hindsight lists the ${what}s of its store`);
  const store = storeSetting(folder);
  const cli = currentCli(folder);
  const lines = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Hindsight: listing ${what}s` }, async () =>
    what === 'run' ? (await listRuns(cli, folder, store)).map((r) => runLine(r)) : (await listRecordings(cli, folder, store)).map((r) => recordingLine(r)),
  );
  if (lines.length === 0) {
    const how = what === 'run' ? 'run a workflow with a worker on this store' : 'record a program with `hindsight record -- node app.js`';
    void vscode.window.showInformationMessage(`Hindsight: no ${what}s in the store${store ? ` ${store}` : ''}; ${how}, or set hindsight.store`);
    return undefined;
  }
  const chosen = await vscode.window.showQuickPick(lines.map(toItem), { title: `Hindsight: debug a ${what}`, placeHolder: what === 'run' ? 'failed runs first' : 'crashes first', matchOnDescription: true, matchOnDetail: true });
  return chosen?.id;
}

/** The workflows module: from a hindsight launch configuration, else the last one chosen, else asked for. */
async function workflowsModule(state: vscode.Memento): Promise<string | undefined> {
  const configs = vscode.workspace.getConfiguration('launch').get<Array<Record<string, unknown>>>('configurations') ?? [];
  const fromLaunch = configs.find((c) => c.type === 'hindsight' && typeof c.workflows === 'string')?.workflows as string | undefined;
  const folder = mainFolder();
  if (fromLaunch) return folder ? fromLaunch.replace(/\$\{workspaceFolder\}/g, folder) : fromLaunch;
  const remembered = state.get<string>('hindsight.workflows');
  if (remembered) return remembered;
  const picked = await vscode.window.showOpenDialog({ title: 'Hindsight: the compiled module (.js) that exports your workflows', canSelectMany: false, filters: { 'JavaScript module': ['js', 'mjs', 'cjs'] }, ...(folder ? { defaultUri: vscode.Uri.file(folder) } : {}) });
  const file = picked?.[0]?.fsPath;
  if (file) await state.update('hindsight.workflows', file);
  return file;
}

/** Errors from the pickers reach the user as one line; the CLI's own message says what to do. */
function reported<T>(fn: () => Promise<T>): () => Promise<T | undefined> {
  return async () => {
    try {
      return await fn();
    } catch (err) {
      void vscode.window.showErrorMessage(`Hindsight: ${(err as Error).message}`);
      return undefined;
    }
  };
}

export function registerPicks(context: vscode.ExtensionContext): void {
  const folder = () => vscode.workspace.workspaceFolders?.[0];
  context.subscriptions.push(
    vscode.commands.registerCommand('hindsight.debugRun', reported(async () => {
      const run = await pick('run');
      if (!run) return false;
      const workflows = await workflowsModule(context.workspaceState);
      if (!workflows) return false;
      const f = folder();
      return vscode.debug.startDebugging(f, runConfig({ run, workflows, store: storeSetting(f?.uri.fsPath), cwd: f?.uri.fsPath }));
    })),
    vscode.commands.registerCommand('hindsight.debugRecording', reported(async () => {
      const recording = await pick('recording');
      if (!recording) return false;
      const f = folder();
      return vscode.debug.startDebugging(f, recordingConfig({ recording, store: storeSetting(f?.uri.fsPath), cwd: f?.uri.fsPath }));
    })),
    // for ${command:hindsight.pickRunId} in launch.json: the id, or undefined, which cancels the launch
    vscode.commands.registerCommand('hindsight.pickRunId', reported(() => pick('run'))),
    vscode.commands.registerCommand('hindsight.pickRecordingId', reported(() => pick('recording'))),
  );
}
