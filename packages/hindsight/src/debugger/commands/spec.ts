import type { DebugSession } from '../session.js';
import type { Outcome } from '../types.js';

/** One debugger command: its gdb name, aliases and what it does. */
export interface CommandSpec {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly usage: string;
  readonly help: string;
  /** Needs a trace to answer. */
  readonly trace: boolean;
  readonly run: (s: DebugSession, args: string) => Outcome | Promise<Outcome>;
}

/** A topic of `info <topic>` (gdb's `info breakpoints`, `info locals`...). */
export interface InfoTopic {
  readonly names: readonly string[];
  readonly help: string;
  readonly run: (s: DebugSession) => Outcome | Promise<Outcome>;
}
