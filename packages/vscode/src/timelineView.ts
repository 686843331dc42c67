/** The "Hindsight timeline" view: the history events (or request lanes) of the session, refreshed at every stop. */
import * as vscode from 'vscode';
import { gotoEvent } from './session.js';
import { timelineItems, type GotoTarget, type TimelineItem } from './timeline.js';

export class TimelineProvider implements vscode.TreeDataProvider<TimelineItem> {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.#changed.event;
  #items: TimelineItem[] = [];
  #session: vscode.DebugSession | undefined;

  /** Asks the session for its timeline; a session that cannot answer leaves the view empty, not stale. */
  async refresh(session: vscode.DebugSession | undefined = this.#session): Promise<void> {
    this.#session = session;
    try {
      this.#items = session ? timelineItems(await session.customRequest('hindsight/timeline')) : [];
    } catch {
      this.#items = [];
    }
    this.#changed.fire();
  }

  clear(session: vscode.DebugSession): void {
    if (this.#session?.id !== session.id) return;
    this.#session = undefined;
    this.#items = [];
    this.#changed.fire();
  }

  getChildren(parent?: TimelineItem): TimelineItem[] {
    return parent ? [...(parent.children ?? [])] : this.#items;
  }

  getTreeItem(item: TimelineItem): vscode.TreeItem {
    const t = new vscode.TreeItem(item.label, item.children?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    if (item.description) t.description = item.description;
    if (item.tooltip) t.tooltip = item.tooltip;
    t.iconPath = new vscode.ThemeIcon(item.current ? 'debug-stackframe' : item.state === 'unreached' ? 'circle-slash' : item.state === 'after' ? 'circle-outline' : 'circle-filled');
    if (item.target) t.command = { command: 'hindsight.timeline.goto', title: 'Go to this event', arguments: [item.target, this.#session] };
    return t;
  }
}

/** Sessions whose first stop has not come yet, with what to do then (a link's event to go to). */
const atFirstStop = new Map<string, () => void>();

export function onFirstStop(session: vscode.DebugSession, fn: () => void): void {
  atFirstStop.set(session.id, fn);
}

export function registerTimeline(context: vscode.ExtensionContext): TimelineProvider {
  const provider = new TimelineProvider();
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('hindsight.timeline', provider),
    vscode.commands.registerCommand('hindsight.timeline.goto', (target: GotoTarget, session?: vscode.DebugSession) => gotoEvent(target, session)),
    vscode.commands.registerCommand('hindsight.timeline.refresh', () => provider.refresh()),
    // the tracker sees every message the adapter sends: each stop moves the cursor, so the view follows
    vscode.debug.registerDebugAdapterTrackerFactory('hindsight', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m.type !== 'event' || m.event !== 'stopped') return;
          void provider.refresh(session);
          const first = atFirstStop.get(session.id);
          atFirstStop.delete(session.id);
          first?.();
        },
        onWillStopSession: () => {
          atFirstStop.delete(session.id);
          provider.clear(session);
        },
      }),
    }),
  );
  return provider;
}
