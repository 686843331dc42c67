import { DapError } from './errors.js';

/** hindsight/whatIf's arguments: a step's result or a signal's payload to replace (its k-th, from 1), or `off`. */
export interface WhatIfArguments {
  readonly threadId?: number;
  readonly step?: string;
  readonly signal?: string;
  readonly occurrence?: number;
  /** The replacement, as JSON would carry it. */
  readonly value?: unknown;
  readonly off?: boolean;
}

const USAGE = 'hindsight/whatIf takes { step: <name>, value: <JSON value>, occurrence?: <k> }, { signal: <name>, value, occurrence? } or { off: true }';

/** The debugger's `set` command the request stands for, so the editor and the REPL do the same thing. */
export function whatIfCommand(args: WhatIfArguments): string {
  if (args.off === true) return 'set whatif off';
  const [kind, name] = typeof args.step === 'string' ? ['step', args.step] : typeof args.signal === 'string' ? ['signal', args.signal] : [];
  if (!kind || !name || !('value' in args)) throw new DapError('HS_E_DAP_BAD_ARGS', `${USAGE}; got ${JSON.stringify(args)}`);
  if (args.occurrence !== undefined && !(Number.isInteger(args.occurrence) && args.occurrence >= 1)) {
    throw new DapError('HS_E_DAP_BAD_ARGS', `hindsight/whatIf: occurrence counts from 1; got ${JSON.stringify(args.occurrence)}`);
  }
  const field = kind === 'step' ? 'result' : 'payload';
  return `set ${kind} ${name}${args.occurrence ? `#${args.occurrence}` : ''}.${field} = ${JSON.stringify(args.value ?? null)}`;
}
