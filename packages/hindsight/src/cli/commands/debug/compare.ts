import pc from 'picocolors';
import type { DivergenceView, RunOutcome, TracePlace, WhatIfView } from '../../../debugger/index.js';
import { shownPath } from './render.js';

/** The debugger's comparisons in words: the code against its history (divergence), a what-if against the recorded run. */

function place(p: TracePlace): string {
  return `${shownPath(p.file)}:${p.line ?? '?'} in ${p.function ?? '<unknown>'} ${pc.dim(`(event ${p.index})`)}`;
}

function recordedEvent(r: NonNullable<DivergenceView['recorded']>): string {
  return `event #${r.eventId}: ${r.description}${r.args ? `, args ${JSON.stringify(r.args)}` : ''}`;
}

/** What the code does instead of the history, and where. */
function codeSide(d: DivergenceView): string {
  const c = d.code;
  return `${c.command === 'none' ? c.description : `issues ${c.description}`} at ${place(c)}`;
}

export function renderDivergence(d: DivergenceView | null): string[] {
  if (!d) return ['No divergence: the code does what the history recorded.'];
  return [
    pc.yellow('Divergence: the code no longer does what the history recorded.'),
    `  history:  ${d.recorded ? `history ${recordedEvent(d.recorded)}` : pc.dim('(no event named)')}`,
    `  code now: ${codeSide(d)}`,
  ];
}

function outcome(o: RunOutcome): string {
  switch (o.status) {
    case 'completed':
      return `completed with ${JSON.stringify(o.value)}`;
    case 'failed':
      return `failed with ${o.error}`;
    case 'cancelled':
    case 'terminated':
    case 'continued-as-new':
      return `${o.status}: ${o.detail}`;
    case 'diverged': {
      const d = o.divergence;
      const history = d.recorded ? `, where the history has ${recordedEvent(d.recorded)}` : ', which the history does not have';
      return `${codeSide(d)}${history}; the replay ends there`;
    }
    case 'waiting':
      return `waits at ${place(o.place)} for something the history does not hold (a signal, a timer, a step's result)`;
  }
}

/** Where the executions part: one place when both sides stand on the same line (a branch), then where each goes on. */
function parting(d: NonNullable<WhatIfView['firstDifference']>): string {
  const at = (d.whatIf ?? d.recorded)!.index;
  const line = (p: TracePlace | null) => (p ? `${shownPath(p.file)}:${p.line ?? '?'}` : 'the end of the trace');
  const same = d.recorded && d.whatIf && d.recorded.file === d.whatIf.file && d.recorded.line === d.whatIf.line;
  const head = same ? `at ${place(d.whatIf!)}` : `at event ${at}: recorded ${line(d.recorded)}, what-if ${line(d.whatIf)}`;
  return `  the executions part ${head}; then the recorded run goes on at ${line(d.recorded?.next ?? null)}, the what-if at ${line(d.whatIf?.next ?? null)}`;
}

export function renderWhatIf(w: WhatIfView): string[] {
  return [
    ...w.overrides.map((o) => `${pc.cyan('What-if')} ${o.target} = ${JSON.stringify(o.value)} ${pc.dim(`(in place of history event #${o.eventId})`)}`),
    `  recorded: ${outcome(w.recorded)}`,
    `  what-if:  ${outcome(w.whatIf)}`,
    w.firstDifference ? parting(w.firstDifference) : '  the executions take the same path (only values differ)',
  ];
}
