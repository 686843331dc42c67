import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import pc from 'picocolors';
import { HindsightError } from '../../../common/errors.js';
import { howItEnded, partsOf, readValuesRing, recordingNotFound as notFound, recoverOrphans, toRecordingFile } from '../../../recorder/index.js';
import { openRecordings, type RecordingStore } from '../../../store/index.js';
import { printJson, println } from '../../output/json.js';
import { renderTable } from '../../output/table.js';
import { localTime } from '../../output/time.js';
import { plural } from '../../output/values.js';
import { storeFile, storePath } from '../../store.js';
import { exportFormat, exportForViewer } from './export-formats.js';
import { registerLatency } from './latency.js';
import { registerProfile } from './profile.js';

export function register(program: Command): void {
  const trace = program.command('trace').description('flight recordings: list, show, latency, profile, export, remove');
  trace.command('list').description('the recordings in the store, newest first').option('--json', 'print JSON').action(listAction);
  trace.command('show <recordingId>').description('what a recording holds: the process, how it ended, its code').option('--json', 'print JSON').action(showAction);
  trace
    .command('export <recordingId>')
    .description('write a recording to a file: the recording itself (its ring, site tables and code) to debug it elsewhere, or a trace for Perfetto, chrome://tracing or speedscope')
    .requiredOption('-o, --output <file>', 'the file to write')
    .option('--format <format>', 'hindsight (the recording), chrome (Trace Event Format) or speedscope', exportFormat, 'hindsight')
    .action(exportAction);
  registerLatency(trace);
  registerProfile(trace);
  trace.command('rm <recordingId>').description('remove a recording (code it shares with others stays)').action(rmAction);
}

/** Opens the recordings of the command's store; the store must exist (a typo would show "no recordings"). */
export function withRecordings<T>(cmd: Command, fn: (r: RecordingStore) => T): T {
  const where = storePath(cmd);
  const file = storeFile(where);
  if (file !== ':memory:' && !existsSync(file)) {
    throw new HindsightError('HS_E_STORE_NOT_FOUND', `no store at ${file}; pass --store (or set HINDSIGHT_STORE) to the store \`hindsight record\` used`);
  }
  const r = openRecordings({ path: where });
  try {
    // rings left by programs recorded without a supervisor and killed outright become recordings now
    recoverOrphans(where, r);
    return fn(r);
  } finally {
    r.close();
  }
}

export { recordingNotFound as notFound } from '../../../recorder/index.js';

function listAction(flags: { json?: boolean }, cmd: Command): void {
  const list = withRecordings(cmd, (r) => r.list());
  if (flags.json) return printJson(list);
  if (list.length === 0) return println('No recordings. Record a program with: hindsight record -- node app.js');
  println(renderTable(['Recording', 'When', 'How it ended', 'Command', 'Events'], list.map((m) => [m.id, localTime(m.createdAt), howItEnded(m), m.command.join(' '), `${m.events}${m.wrapped ? ' (wrapped)' : ''}`])));
}

function showAction(id: string, flags: { json?: boolean }, cmd: Command): void {
  const { rec, parts, program } = withRecordings(cmd, (r) => ({ rec: r.get(id), ...partsOf(r, id) }));
  if (!rec) throw notFound(id);
  const m = rec.meta;
  const captured = [...new Set(rec.modules.flatMap((mod) => mod.sites.filter((s) => s.params).map((s) => s.functionName)))];
  const capturedArgs = captured.length ? { functions: captured, calls: rec.values ? readValuesRing(rec.values).size : 0 } : undefined;
  if (flags.json) return printJson({ ...m, modules: rec.modules.length, files: rec.files, ...(capturedArgs ? { capturedArgs } : {}) });
  println(`${pc.bold(m.id)}: ${m.command.join(' ')} (pid ${m.pid}) on ${m.host}, Node ${m.node}`);
  println(`  ${howItEnded(m)} at ${localTime(m.createdAt)}; trigger: ${m.trigger}`);
  if (m.error?.stack) for (const l of m.error.stack.split('\n')) println(pc.dim(`  ${l}`));
  // recorded: the debugger shows more, the statements the recorder leaves implicit put back
  println(`  ${m.events} events recorded${m.wrapped ? ', the ring wrapped: the trace starts mid-program' : ''}; ${plural(rec.modules.length, 'module')} traced; ${plural(rec.files.length, 'source file')} in its code bundle`);
  if (capturedArgs) println(`  arguments captured (--capture-args) of ${captured.join(', ')}: ${capturedArgs.calls} calls kept`);
  for (const d of m.demoted ?? []) println(`  demoted (too hot and too small to trace): ${d.functionName} (${d.file}:${d.line}), after ${d.calls} calls`);
  // recordings archived before 2026-12-07 kept them as said on the program's stderr, `hindsight: ` and all
  for (const w of m.warnings ?? []) println(pc.yellow(`  warning: ${w.replace(/^hindsight: /, '')}`));
  for (const p of parts) println(`  with it, ${p.part!.kind} ${p.part!.id} (${p.command.join(' ')}): ${p.id}, ${howItEnded(p)}, ${p.events} events`);
  if (program) println(`  it ran no traced code itself (a launcher, such as npm); debug the program it started: hindsight debug ${program.id}`);
  else println(`  debug it: hindsight debug ${m.id}`);
}

function exportAction(id: string, flags: { output: string; format: ReturnType<typeof exportFormat> }, cmd: Command): void {
  if (flags.format !== 'hindsight') return exportForViewer(cmd, id, flags.format, flags.output);
  const file = withRecordings(cmd, (r) => {
    const rec = r.get(id);
    if (!rec) throw notFound(id);
    return toRecordingFile(rec, (hash) => r.file(hash));
  });
  writeFileSync(flags.output, JSON.stringify(file));
  println(`Wrote ${id} to ${flags.output}`);
}

function rmAction(id: string, _flags: unknown, cmd: Command): void {
  if (!withRecordings(cmd, (r) => r.remove(id))) throw notFound(id);
  println(`Removed ${id}.`);
}
