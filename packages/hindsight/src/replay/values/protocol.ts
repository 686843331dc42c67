import type { MessagePort } from 'node:worker_threads';
import type { RecordedEvent } from '../../history/index.js';
import type { Sample, ScopesAt, Value } from '../../trace/index.js';

/** What the main thread hands a values worker when it starts. */
export interface WorkerInput {
  readonly modulePath: string;
  readonly history: RecordedEvent[];
  /** Int32Array[1]: bumped by the main thread after each request, so a paused worker wakes. */
  readonly signal: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** `kind@file:line:column`: a site as both threads name it (their site ids may differ). */
export type SiteKey = string;

export type Request =
  | {
      readonly id: number;
      readonly op: 'goto';
      /** The value point to pause at. */
      readonly target: number;
      readonly site: SiteKey;
      /** Value points to evaluate `expression` at on the way (ascending, all <= target). */
      readonly samples?: { readonly indices: readonly number[]; readonly expression: string };
    }
  | { readonly id: number; readonly op: 'scopes' }
  | { readonly id: number; readonly op: 'evaluate'; readonly expression: string }
  | { readonly id: number; readonly op: 'children'; readonly ref: number };

export type Reply =
  | { readonly id: number; readonly op: 'goto'; readonly at: number; readonly samples: Sample[] }
  | { readonly id: number; readonly op: 'scopes'; readonly scopes: Omit<ScopesAt, 'index'> }
  | { readonly id: number; readonly op: 'evaluate'; readonly value?: Value; readonly text?: string; readonly json?: string; readonly error?: string }
  | { readonly id: number; readonly op: 'children'; readonly children: Value[] }
  | { readonly id: number; readonly op: 'error'; readonly code: string; readonly message: string };

/** Sent once the modules are loaded and the worker waits for its first request. */
export interface Ready {
  readonly op: 'ready';
}
