/**
 * The items of the timeline view, from the adapter's `hindsight/timeline` answer. Pure (no `vscode`
 * import). Workflow runs answer `{ cursor, events }` (history events with their trace index);
 * recordings answer `{ lanes }` (per-request lanes), whose exact fields are still settling, so lanes
 * are read generically: a label from `label` or `name`, a target from `index`.
 */

/** Where a click on an item goes: the argument of `hindsight/gotoEvent`. */
export type GotoTarget = { readonly index: number } | { readonly historyId: number };

export interface TimelineItem {
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  /** Undefined when there is nowhere to go (a history event the code never reached). */
  readonly target?: GotoTarget;
  /** The cursor is at this item. */
  readonly current: boolean;
  /** Before the cursor, after it, or never reached: the view dims what the cursor has not reached. */
  readonly state: 'before' | 'cursor' | 'after' | 'unreached' | 'unknown';
  readonly children?: readonly TimelineItem[];
}

type Json = Record<string, unknown>;

export function timelineItems(body: unknown): TimelineItem[] {
  const b = (body ?? {}) as Json;
  const cursor = typeof b.cursor === 'number' ? b.cursor : undefined;
  if (Array.isArray(b.events)) return b.events.map((e) => historyItem(e as Json));
  if (Array.isArray(b.lanes)) return b.lanes.map((l, i) => laneItem(l as Json, i, cursor));
  return [];
}

/** One history event (`HistoryLine` of hindsight's debugger): `#id Type name`, its summary, where it is. */
function historyItem(e: Json): TimelineItem {
  const id = num(e.id);
  const index = num(e.index);
  const at = e.at === 'before' || e.at === 'cursor' || e.at === 'after' || e.at === 'unreached' ? e.at : 'unknown';
  const name = str(e.name);
  const summary = str(e.summary);
  const offset = num(e.offset);
  const label = `${id !== undefined ? `#${id} ` : ''}${str(e.type) ?? 'event'}${name ? ` ${name}` : ''}`;
  const description = [summary, offset !== undefined ? `+${offset}ms` : undefined].filter(Boolean).join(' · ');
  const target: GotoTarget | undefined = index !== undefined ? { index } : undefined;
  const tooltip = index === undefined ? `${label}: the code never reached it here` : `${label}: trace event ${index}`;
  return { label, ...(description ? { description } : {}), tooltip, ...(target ? { target } : {}), current: at === 'cursor', state: at };
}

/** One lane (or an item inside one): label or name, and index when it has one. */
function laneItem(l: Json, i: number, cursor: number | undefined): TimelineItem {
  const index = num(l.index) ?? num(l.start);
  const label = str(l.label) ?? str(l.name) ?? `lane ${i + 1}`;
  const description = str(l.description) ?? str(l.summary);
  const inner = Array.isArray(l.events) ? l.events : Array.isArray(l.items) ? l.items : undefined;
  const children = inner?.map((c, j) => laneItem(c as Json, j, cursor));
  const state = index === undefined || cursor === undefined ? 'unknown' : index < cursor ? 'before' : index === cursor ? 'cursor' : 'after';
  return {
    label,
    ...(description ? { description } : {}),
    tooltip: index !== undefined ? `${label}: trace event ${index}` : label,
    ...(index !== undefined ? { target: { index } } : {}),
    current: state === 'cursor',
    state,
    ...(children?.length ? { children } : {}),
  };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
