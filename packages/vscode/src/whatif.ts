/**
 * What-if from the editor: which recorded values can be changed (a step's result, a signal's
 * payload), the value typed for one, and the adapter's answer in a sentence. Pure (no `vscode`
 * import): the command in session.ts asks, this decides.
 */

/** One recorded value the run can be replayed with changed: `hindsight/whatIf`'s arguments, and how to show it. */
export interface WhatIfChoice {
  readonly label: string;
  readonly description: string;
  readonly request: { readonly step: string; readonly occurrence: number } | { readonly signal: string; readonly occurrence: number };
}

type Json = Record<string, unknown>;

/** From the timeline of a workflow run: every step that finished and every signal received, k-th of its name. */
export function whatIfChoices(timeline: unknown): WhatIfChoice[] {
  const events = Array.isArray((timeline as Json | undefined)?.events) ? ((timeline as Json).events as Json[]) : [];
  const seen = new Map<string, number>();
  const out: WhatIfChoice[] = [];
  for (const e of events) {
    const kind = e.type === 'StepCompleted' || e.type === 'StepFailed' ? 'step' : e.type === 'SignalReceived' ? 'signal' : undefined;
    if (!kind || typeof e.name !== 'string') continue;
    const key = `${kind} ${e.name}`;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    out.push({
      label: `${key} #${occurrence}`,
      description: `#${String(e.id)} ${String(e.type)}: ${String(e.summary ?? '')}`,
      request: kind === 'step' ? { step: e.name, occurrence } : { signal: e.name, occurrence },
    });
  }
  return out;
}

/** The typed replacement: JSON, or why not (shown under the input box as the user types). */
export function parseWhatIfValue(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `not JSON (${(err as Error).message}); a string needs its quotes: "text"` };
  }
}

/** The adapter's WhatIfView in a sentence: how each run ends, and where they part. */
export function whatIfSummary(whatif: unknown): string {
  if (!whatif) return 'Back in the recorded run.';
  const w = whatif as Json;
  const targets = ((w.overrides as Json[] | undefined) ?? []).map((o) => `${String(o.target)} = ${JSON.stringify(o.value)}`).join(', ');
  const part = (w.firstDifference as Json | null | undefined)?.whatIf as Json | null | undefined;
  const where = part ? `they part at ${place(part)}` : 'the control flow is the same throughout';
  return `What-if ${targets}: recorded ${ending(w.recorded)}; what-if ${ending(w.whatIf)}; ${where}.`;
}

function ending(outcome: unknown): string {
  const o = (outcome ?? {}) as Json;
  if (o.status === 'completed') return `completed with ${JSON.stringify(o.value)}`;
  if (o.status === 'failed') return `failed: ${String(o.error)}`;
  if (o.status === 'diverged') return `diverged: ${String((o.divergence as Json | undefined)?.message ?? '')}`;
  if (o.status === 'waiting') return `waits at ${place((o.place ?? {}) as Json)}`;
  return `${String(o.status)}${o.detail ? ` (${String(o.detail)})` : ''}`;
}

function place(p: Json): string {
  const file = typeof p.file === 'string' ? p.file.split(/[\\/]/).pop() : '<unknown>';
  return `${file}:${String(p.line ?? '?')}${p.function ? ` in ${String(p.function)}` : ''}`;
}
