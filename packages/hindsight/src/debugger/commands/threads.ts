import type { DebugSession } from '../session.js';
import { DebugError, type ResultBody, type ThreadLine } from '../types.js';
import type { CommandSpec, InfoTopic } from './spec.js';

/**
 * A recording's threads are its request lanes (gdb's `info threads` and `thread <id>`): every
 * request in flight at the cursor, and where each stood at that moment. A workflow run has one.
 */
export const threadTopics: readonly InfoTopic[] = [
  { names: ['threads', 'requests'], help: "a recording's requests in flight at the cursor, and where each stands", run: (s) => ({ result: infoThreads(s) }) },
];

export const threadCommands: readonly CommandSpec[] = [
  {
    name: 'thread',
    aliases: [],
    usage: 'thread <id>',
    help: 'to where request <id> stood at this moment (`info threads` lists them)',
    trace: true,
    run: (s, a) => ({ stop: s.view(s.cursor.goto(threadPosition(s, a))) }),
  },
];

function lanesOf(s: DebugSession) {
  const lanes = s.lanes;
  if (!lanes) throw new DebugError('HS_E_DEBUG_NO_THREADS', 'a workflow run is one thread; threads are the requests of a flight recording');
  return lanes;
}

function infoThreads(s: DebugSession): ResultBody {
  const lanes = lanesOf(s);
  const at = s.cursor.index;
  const ex = s.cursor.execution;
  const current = lanes.threadOf(at);
  const threads = lanes.inFlight(at).map((t): ThreadLine => {
    const index = t.id === current ? at : lanes.positionAt(t.id, at);
    const site = index === -1 ? undefined : ex.siteOf(index);
    const place = index === -1 ? undefined : ex.placeOf(index);
    return { id: t.id, name: t.name, current: t.id === current, index, function: site?.functionName ?? null, file: place?.file ?? null, line: place?.line ?? null };
  });
  return { kind: 'threads', threads };
}

function threadPosition(s: DebugSession, arg: string): number {
  const lanes = lanesOf(s);
  const id = Number(arg);
  if (!/^\d+$/.test(arg) || !lanes.has(id)) throw new DebugError('HS_E_DEBUG_USAGE', `thread takes a thread id from \`info threads\`; got '${arg}'`);
  const at = lanes.positionAt(id, s.cursor.index);
  if (at === -1) throw new DebugError('HS_E_DEBUG_NO_EVENT', `request ${id} had not begun at this point; \`info threads\` lists those in flight`);
  return at;
}
