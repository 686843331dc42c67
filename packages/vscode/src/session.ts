/** Requests to the active Hindsight session: reverse steps, going to an event, what-if. */
import * as vscode from 'vscode';
import type { GotoTarget } from './timeline.js';
import { parseWhatIfValue, whatIfChoices, whatIfSummary } from './whatif.js';

/**
 * The thread the user has focused in the Call Stack view (a child run, another request lane), where
 * this VS Code tells it (activeStackItem, from 1.90); otherwise none is named and the adapter takes
 * the thread that stopped last.
 */
function focusedThread(): { threadId?: number } {
  const item = (vscode.debug as { activeStackItem?: { session?: vscode.DebugSession; threadId?: number } }).activeStackItem;
  return item?.session?.type === 'hindsight' && typeof item.threadId === 'number' ? { threadId: item.threadId } : {};
}

export function activeHindsight(): vscode.DebugSession | undefined {
  const s = vscode.debug.activeDebugSession;
  return s?.type === 'hindsight' ? s : undefined;
}

async function send(command: string, args: object, session = activeHindsight()): Promise<unknown> {
  if (!session) {
    void vscode.window.showWarningMessage(`Hindsight: ${command} needs a Hindsight debug session; start one with "Hindsight: Debug workflow run…" or "Hindsight: Debug recording…"`);
    return undefined;
  }
  try {
    return await session.customRequest(command, args);
  } catch (err) {
    // the adapter's messages are one line ending with its HS_E_ code
    void vscode.window.showErrorMessage(`Hindsight: ${(err as Error).message}`);
    return undefined;
  }
}

export async function gotoEvent(target: GotoTarget, session?: vscode.DebugSession): Promise<void> {
  await send('hindsight/gotoEvent', target, session);
}

/** "Hindsight: What if…": pick a recorded step result or signal payload, type its replacement, debug the run with it. */
async function whatIf(): Promise<void> {
  const session = activeHindsight();
  // without a session, send says how to start one
  const timeline = await send('hindsight/timeline', focusedThread(), session);
  if (timeline === undefined) return;
  const choices = whatIfChoices(timeline);
  if (choices.length === 0) return void vscode.window.showInformationMessage('Hindsight: this run has no step result or signal payload to change (a recording has none)');
  const choice = await vscode.window.showQuickPick(choices, { placeHolder: 'The recorded value to change' });
  if (!choice) return;
  const text = await vscode.window.showInputBox({
    prompt: `${choice.label}: the value to replay with instead (JSON); recorded: ${choice.description}`,
    validateInput: (t) => {
      const parsed = parseWhatIfValue(t);
      return 'error' in parsed ? parsed.error : undefined;
    },
  });
  if (text === undefined) return;
  const parsed = parseWhatIfValue(text);
  if ('error' in parsed) return;
  const answer = (await send('hindsight/whatIf', { ...focusedThread(), ...choice.request, value: parsed.value }, session)) as { whatif?: unknown } | undefined;
  if (answer) void vscode.window.showInformationMessage(`Hindsight: ${whatIfSummary(answer.whatif)}`);
}

export function registerSessionCommands(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('hindsight.reverseStepIn', () => send('hindsight/reverseStepIn', focusedThread())),
    vscode.commands.registerCommand('hindsight.reverseStepOut', () => send('hindsight/reverseStepOut', focusedThread())),
    vscode.commands.registerCommand('hindsight.whatIf', whatIf),
    vscode.commands.registerCommand('hindsight.whatIfOff', async () => {
      const answer = await send('hindsight/whatIf', { ...focusedThread(), off: true });
      if (answer) void vscode.window.showInformationMessage(`Hindsight: ${whatIfSummary(null)}`);
    }),
  );
}
