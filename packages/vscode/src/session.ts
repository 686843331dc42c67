/** Requests to the active Hindsight session: reverse steps and going to an event. */
import * as vscode from 'vscode';
import type { GotoTarget } from './timeline.js';

/** The adapter runs one thread per session (the run or the recording): its id is always 1. */
const THREAD = 1;

export function activeHindsight(): vscode.DebugSession | undefined {
  const s = vscode.debug.activeDebugSession;
  return s?.type === 'hindsight' ? s : undefined;
}

async function send(command: string, args: object, session = activeHindsight()): Promise<void> {
  if (!session) {
    void vscode.window.showWarningMessage(`Hindsight: ${command} needs a Hindsight debug session; start one with "Hindsight: Debug workflow run…" or "Hindsight: Debug recording…"`);
    return;
  }
  try {
    await session.customRequest(command, args);
  } catch (err) {
    // the adapter's messages are one line ending with its HS_E_ code
    void vscode.window.showErrorMessage(`Hindsight: ${(err as Error).message}`);
  }
}

export function gotoEvent(target: GotoTarget, session?: vscode.DebugSession): Promise<void> {
  return send('hindsight/gotoEvent', target, session);
}

export function registerSessionCommands(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('hindsight.reverseStepIn', () => send('hindsight/reverseStepIn', { threadId: THREAD })),
    vscode.commands.registerCommand('hindsight.reverseStepOut', () => send('hindsight/reverseStepOut', { threadId: THREAD })),
  );
}
