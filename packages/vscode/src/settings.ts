/** The extension's settings and the CLI they point at, read fresh each time (settings change while VS Code runs). */
import path from 'node:path';
import * as vscode from 'vscode';
import { findNode, locateCli, type Cli } from './cli.js';

export function folders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

/** The folder commands run in: the first workspace folder (listings resolve the store from there). */
export function mainFolder(): string | undefined {
  return folders()[0];
}

const setting = (key: string): string | undefined => {
  const v = vscode.workspace.getConfiguration('hindsight').get<string>(key);
  return v && v.trim() !== '' ? v.trim() : undefined;
};

/** The `hindsight.store` setting, made absolute against the folder (the adapter may run elsewhere). */
export function storeSetting(folder: string | undefined): string | undefined {
  const store = setting('store');
  if (!store) return undefined;
  return folder && !path.isAbsolute(store) && !/^[a-z]+:/i.test(store) ? path.join(folder, store) : store;
}

/** The Node.js and CLI script to run; throws a CliError whose one line says what to install or set. */
export function currentCli(preferred?: string): Cli {
  const order = preferred ? [preferred, ...folders().filter((f) => f !== preferred)] : folders();
  return { node: findNode(setting('nodePath')), script: locateCli(order, setting('cliPath')) };
}
