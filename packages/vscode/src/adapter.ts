/** Starts `hindsight dap` for each debug session, and completes launch configurations before they reach it. */
import * as vscode from 'vscode';
import { cliEnv } from './cli.js';
import { currentCli, mainFolder, storeSetting } from './settings.js';

/** The adapter is the project's own `hindsight` package, so it always reads what that version recorded. */
export class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const cli = currentCli(session.workspaceFolder?.uri.fsPath);
    // an absolute node, never the command 'node': VS Code would fork that into its own Electron runtime
    return new vscode.DebugAdapterExecutable(cli.node, [cli.script, 'dap'], { env: cliEnv() as Record<string, string> });
  }
}

/** Fills `cwd` and `store` from the workspace and settings; F5 with no launch.json asks for a run. */
export class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (!config.type && !config.request && !config.name) {
      // no launch.json: the same as the command, which builds and starts its own configuration
      void vscode.commands.executeCommand('hindsight.debugRun');
      return undefined;
    }
    const base = folder?.uri.fsPath ?? mainFolder();
    if (config.cwd === undefined && base) config.cwd = base;
    if (config.store === undefined) {
      const store = storeSetting(base);
      if (store) config.store = store;
    }
    return config;
  }
}
