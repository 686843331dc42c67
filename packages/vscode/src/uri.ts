/** Opens `vscode://hindsight.hindsight/debug?…` links (the recorder prints one after a crash). */
import * as vscode from 'vscode';
import { parseDebugLink } from './launch.js';
import { gotoEvent } from './session.js';
import { mainFolder, storeSetting } from './settings.js';
import { onFirstStop } from './timelineView.js';

export class LinkHandler implements vscode.UriHandler {
  async handleUri(uri: vscode.Uri): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const base = mainFolder();
    const configs = vscode.workspace.getConfiguration('launch').get<Array<Record<string, unknown>>>('configurations') ?? [];
    const workflows = configs.find((c) => c.type === 'hindsight' && typeof c.workflows === 'string')?.workflows as string | undefined;
    let link;
    try {
      // VS Code has already percent-decoded uri.query; values holding '&' or '=' cannot survive that
      link = parseDebugLink(uri.path, uri.query, { store: storeSetting(base), workflows: base && workflows ? workflows.replace(/\$\{workspaceFolder\}/g, base) : workflows, cwd: base });
    } catch (err) {
      void vscode.window.showErrorMessage(`Hindsight: ${(err as Error).message}`);
      return;
    }
    const { config, event } = link;
    if (event !== undefined) {
      // the session does not exist before startDebugging; its first stop (at entry) is when it can move
      const sub = vscode.debug.onDidStartDebugSession((s) => {
        if (s.type !== 'hindsight' || s.name !== config.name) return;
        sub.dispose();
        onFirstStop(s, () => void gotoEvent({ index: event }, s));
      });
      setTimeout(() => sub.dispose(), 60_000);
    }
    const started = await vscode.debug.startDebugging(folder, config);
    if (!started) void vscode.window.showErrorMessage(`Hindsight: the debug session for ${config.run ?? config.recording} did not start; see the Debug Console`);
  }
}
