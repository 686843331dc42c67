import path from 'node:path';
import pc from 'picocolors';
import { formatOffset, type BreakpointView, type CommandResult, type FrameLine, type HistoryLine, type Position, type ResultBody, type SessionStart, type StopView } from '../../../debugger/index.js';
import { plural } from '../../output/values.js';
import { renderDivergence, renderWhatIf } from './compare.js';

/** A path as the user reads it: relative to the working folder when it is below it. */
export function shownPath(file: string | null): string {
  if (file === null) return '<unknown>';
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** `file:line in function (event i/N)` and the source line. */
function position(p: Position): string[] {
  const where = `${shownPath(p.file)}:${p.line ?? '?'} in ${pc.bold(p.function ?? '<unknown>')} ${pc.dim(`(event ${p.index}/${p.total}, ${p.returnedFrom !== undefined ? `returned from ${p.returnedFrom}` : p.kind})`)}`;
  const source = p.source === null ? pc.dim('(source not available)') : `${String(p.line).padStart(4)}  ${p.source}`;
  return [where, source];
}

/** A selected frame, as gdb's `frame` shows it: its level and where it stands, then its line. */
function frameLine(level: number, p: Position): string[] {
  const [, source] = position(p);
  return [`#${level}  ${pc.bold(p.function ?? '<unknown>')} at ${shownPath(p.file)}:${p.line ?? '?'} ${pc.dim(`(event ${p.index})`)}`, source!];
}

/**
 * A frame of `backtrace`, as gdb prints one; a frame whose caller the trace does not hold is marked
 * as the editor marks it; where the trace does not show where a caller stood (one made up for a
 * return whose call was overwritten), it has no place, and no name either (gdb's `??`) until it
 * shows an event of its own.
 */
function frameOfBacktrace(f: FrameLine): string {
  const mark = f.callerLost ? ` ${pc.dim('(caller not in the trace)')}` : '';
  if (f.index < 0) return `#${f.level}  ${f.function === null ? '??' : pc.bold(f.function)}${mark}`;
  return `#${f.level}  ${pc.bold(f.function ?? '<unknown>')} at ${shownPath(f.file)}:${f.line ?? '?'} ${pc.dim(`(event ${f.index})`)}${mark}`;
}

function stop(s: StopView): string[] {
  const lines: string[] = [];
  if (s.message) lines.push(pc.yellow(s.message));
  const head = position(s);
  if (s.watch) {
    const w = s.watch;
    lines.push(`${pc.cyan(`Watchpoint ${w.id}`)}: ${w.expression}`, `  Old value = ${w.from}`, `  New value = ${w.to}`, pc.dim(`  changed by line ${w.line ?? '?'} (event ${w.by})`));
  } else if (s.caught !== undefined) head[0] = `${pc.cyan(`Catchpoint ${s.caught} (exception thrown)`)}, ${head[0]}`;
  else if (s.reason === 'breakpoint') head[0] = `${pc.cyan(`Breakpoint ${s.breakpoints!.join(', ')}`)}, ${head[0]}`;
  // gdb's line after a finish
  const returned = s.returnValue !== undefined ? [`Value returned: ${s.returnValue}`] : [];
  return [...lines, ...head, ...returned, ...(s.history ?? []).map((h) => pc.yellow(`      ${h.note}`))];
}

/** The history as a table in id order, with a line where the cursor is; '>' marks events reached at the cursor. */
function history(cursor: number, events: readonly HistoryLine[]): string[] {
  if (events.length === 0) return ['No history in this session.'];
  const cells = events.map((e) => [`#${e.id}`, e.type, e.name ?? '', formatOffset(e.offset), e.index === null ? '-' : String(e.index)]);
  const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...cells.map((r) => r[c]!.length), ['Id', 'Type', 'Name', 'At', 'Trace'][c]!.length));
  const row = (r: string[]) => r.map((v, c) => (c === 4 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ');
  const lines = [pc.bold(`  ${row(['Id', 'Type', 'Name', 'At', 'Trace'])}  Summary`)];
  const here = events.findIndex((e) => e.at === 'after');
  events.forEach((e, i) => {
    if (i === here) lines.push(pc.green(`  -- cursor at event ${cursor} --`));
    const line = `${e.at === 'cursor' ? pc.green('>') : ' '} ${row(cells[i]!)}  ${e.summary}`;
    lines.push(e.at === 'unreached' ? pc.dim(line) : line);
  });
  if (here === -1) lines.push(pc.green(`  -- cursor at event ${cursor} --`));
  return lines;
}

function result(r: ResultBody): string[] {
  switch (r.kind) {
    case 'breakpoint': {
      const b = r.breakpoint;
      const what = b.location === 'catch throw' ? `Catchpoint ${b.id} (throw)` : `Breakpoint ${b.id} at ${location(b.location)}${when(b)}`;
      const line = `${what} ${pc.dim(`(${b.hits} hit${b.hits === 1 ? '' : 's'} in this run)`)}`;
      return b.note ? [line, pc.yellow(b.note)] : [line];
    }
    case 'deleted':
      return [r.ids.length === 0 ? 'No breakpoints to delete.' : `Deleted breakpoint${r.ids.length === 1 ? '' : 's'} ${r.ids.join(', ')}.`];
    case 'breakpoints':
      if (r.breakpoints.length === 0) return ['No breakpoints.'];
      return [
        pc.bold('Num  Where'),
        ...r.breakpoints.map((b) => `${String(b.id).padEnd(4)} ${location(b.location)}${when(b)} ${pc.dim(`(${b.hits} hit${b.hits === 1 ? '' : 's'} in this run)`)}`),
      ];
    case 'backtrace': {
      // an async stack trace's boundary: the frames after it gave the ones above as a continuation
      const lines = r.frames.flatMap((f) => (f.continued ? [pc.dim('    (a continuation of:)'), frameOfBacktrace(f)] : [frameOfBacktrace(f)]));
      if (!r.more) return lines;
      // `bt n` leaves out the outer frames (gdb: "More stack frames follow"), `bt -n` the inner ones
      return r.frames[0]?.level === 0 ? [...lines, pc.dim(`(${plural(r.more, 'more stack frame')} follow)`)] : [pc.dim(`(${plural(r.more, 'inner stack frame')} left out)`), ...lines];
    }
    case 'list':
      return r.listing.lines.map((l) => `${l.current ? pc.green('>') : ' '}${String(l.line).padStart(4)}  ${l.text}`);
    case 'where':
      return r.level === undefined ? position(r.position) : frameLine(r.level, r.position);
    case 'history':
      return history(r.cursor, r.events);
    case 'threads':
      // gdb's layout: the current thread starred, each with where it stands
      return r.threads.map((t) => `${t.current ? pc.green('*') : ' '} ${String(t.id).padEnd(5)} ${t.name.padEnd(28)} ${t.function ?? '<unknown>'} at ${t.file ? shownPath(t.file) : '?'}:${t.line ?? '?'} ${pc.dim(`(event ${t.index})`)}`);
    case 'help': {
      const width = Math.max(...r.commands.map((c) => c.usage.length));
      return [
        ...r.commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.help}${c.aliases.length ? pc.dim(` (${c.aliases.join(', ')})`) : ''}`),
        pc.dim('An empty line repeats the last command (interactive mode).'),
      ];
    }
    case 'value': {
      const [first, ...rest] = r.text.split('\n');
      return [...(r.note ? [pc.dim(r.note)] : []), `${r.expression} = ${first}`, ...rest];
    }
    case 'scopes':
      return [
        ...(r.note ? [pc.dim(r.note)] : []),
        ...(r.this ? [`this = ${r.this.value}`] : []),
        ...r.scopes.flatMap((sc) => [pc.bold(`${sc.name}:`), ...(sc.variables.length ? sc.variables.map((v) => `  ${v.name} = ${v.value}`) : [pc.dim('  (none)')])]),
      ];
    case 'watch': {
      const head = `Watchpoint ${r.id}: ${r.expression} in ${r.function ?? '<unknown>'} (${r.changes.length} change${r.changes.length === 1 ? '' : 's'} in this frame; first value ${r.initial})`;
      return [head, ...r.changes.slice(0, 50).map((c) => pc.dim(`  event ${c.index}: ${c.from} -> ${c.to} (line ${c.line ?? '?'})`))];
    }
    case 'log': {
      const head = `Logged ${plural(r.lines.length, 'hit')} of ${location(r.location)}: ${r.message}`;
      const first = r.lines[0]?.time ?? 0;
      return [head, ...r.lines.slice(0, LOG_LINES).map((l) => `  ${pc.dim(`event ${l.index} (+${(l.time - first).toFixed(3)} ms)`)} ${l.text}`), ...(r.lines.length > LOG_LINES ? [pc.dim(`  … ${r.lines.length - LOG_LINES} more (--json prints them all)`)] : [])];
    }
    case 'message':
      return [r.message];
    case 'quit':
      return [];
    case 'divergence':
      return renderDivergence(r.divergence);
    case 'whatif':
      return [...renderWhatIf(r.whatif), ...position(r.whatif.cursor)];
  }
}

/** Hits of a logpoint printed for people; --json has them all. */
const LOG_LINES = 200;

function when(b: BreakpointView): string {
  if (b.hitCount) return ` if hit ${b.hitCount}`;
  return b.condition !== undefined ? ` if ${b.condition}` : '';
}

function location(l: string): string {
  if (l.startsWith('function ') || l.startsWith('watch ') || l === 'catch throw') return l;
  const colon = l.lastIndexOf(':');
  return `${shownPath(l.slice(0, colon))}${l.slice(colon)}`;
}

/** The human transcript of one command. */
export function renderResult(r: CommandResult): string[] {
  if (r.error) return [`${pc.red('error')} ${r.error.message} ${pc.dim(`[${r.error.code}]`)}`];
  if (r.stop) return stop(r.stop);
  return result(r.result!);
}

/** A recording's trace events, with the events it recorded where they differ (the statements the decoder puts back). */
function traceEvents(s: SessionStart): string {
  const recorded = s.recordedEvents !== undefined && s.recordedEvents !== s.traceEvents ? ` (${s.recordedEvents} recorded, the statements between them put back)` : '';
  return `${s.traceEvents} trace events${recorded}`;
}

export function renderStart(s: SessionStart): string[] {
  const head =
    s.source === 'recording'
      ? `Debugging recording ${pc.bold(s.run.workflowId)} ${pc.dim(`(${s.run.runId})`)}: ${s.run.workflowType}, ${s.status}, ${traceEvents(s)}`
      : `Debugging ${pc.bold(s.run.workflowId)} ${pc.dim(`(run ${s.run.runId})`)}: ${s.run.workflowType}, ${s.status}, ` +
        `${s.historyEvents} history events, ${s.traceEvents} trace events`;
  const lines = [
    head,
    ...s.notes.map((n) => pc.yellow(n)),
    ...(s.divergence ? renderDivergence(s.divergence).slice(1) : []),
  ];
  if (s.stop) lines.push(...position(s.stop));
  lines.push(pc.dim('Type `help` for the commands.'));
  return lines;
}
