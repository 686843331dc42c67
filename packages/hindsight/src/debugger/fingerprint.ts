import path from 'node:path';
import { fingerprint, fingerprintOf, loadWorkflows } from '../engine/load.js';
import type { CodeFingerprint, RecordedEvent } from '../history/index.js';

/**
 * Is the code at hand the code that recorded the run? Each worker that took the run wrote the code
 * fingerprint it ran (WorkerAttached): module path -> content hash. A different fingerprint does not
 * stop the session (a comment changes the hash, not the replay); the user is told which files differ,
 * so a divergence further on has an explanation before it happens.
 */

/** Module paths (relative to the workflows module's folder) that differ between two fingerprints. */
export interface CodeChanges {
  readonly changed: string[];
  /** In the recorded code, not in the code at hand. */
  readonly missing: string[];
  /** In the code at hand only. */
  readonly added: string[];
}

/** Fingerprints of code given as definitions (tests, embedded workers) name workflows, not files. */
const DEFINITION_KEY = 'workflow:';

/** The fingerprints the history holds, oldest first, each once (a run resumed by new code has several). */
export function recordedFingerprints(history: readonly RecordedEvent[]): CodeFingerprint[] {
  const seen = new Map<string, CodeFingerprint>();
  for (const e of history) {
    const code = e.type === 'WorkerAttached' || e.type === 'WorkflowStarted' ? e.code : undefined;
    if (code && !seen.has(code.hash)) seen.set(code.hash, code);
  }
  return [...seen.values()];
}

/**
 * What differs. With `onlyRecorded`, modules the recorded fingerprint does not name are not counted:
 * a definitions fingerprint names only the workflows that worker had, not all a module exports.
 */
export function compareFingerprints(recorded: CodeFingerprint, atHand: CodeFingerprint, onlyRecorded = false): CodeChanges {
  const keys = (f: CodeFingerprint) => Object.keys(f.modules).sort();
  return {
    changed: keys(recorded).filter((k) => k in atHand.modules && atHand.modules[k] !== recorded.modules[k]),
    missing: keys(recorded).filter((k) => !(k in atHand.modules)),
    added: onlyRecorded ? [] : keys(atHand).filter((k) => !(k in recorded.modules)),
  };
}

/** A start note when the code at hand is not the code that recorded the run (the newest version in the history). */
export async function codeMismatchNote(history: readonly RecordedEvent[], workflowsModulePath: string): Promise<string | undefined> {
  const versions = recordedFingerprints(history);
  const recorded = versions.at(-1);
  if (!recorded) return undefined; // a history from before fingerprints: nothing to compare
  const definitions = Object.keys(recorded.modules).every((k) => k.startsWith(DEFINITION_KEY));
  let atHand: CodeFingerprint;
  try {
    atHand = definitions ? fingerprintOf((await loadWorkflows(workflowsModulePath)).workflows) : await fingerprint(path.resolve(workflowsModulePath));
  } catch (err) {
    // The instrumented copy loaded, so the session is usable: say it, do not stop it.
    return `cannot compare the code at hand with the fingerprint ${recorded.hash} that recorded this run: ${(err as Error).message}`;
  }
  if (atHand.hash === recorded.hash) return undefined;
  const changes = compareFingerprints(recorded, atHand, definitions);
  const parts = [
    changes.changed.length ? `changed ${changes.changed.join(', ')}` : '',
    changes.missing.length ? `missing ${changes.missing.join(', ')}` : '',
    changes.added.length ? `new ${changes.added.join(', ')}` : '',
  ].filter(Boolean);
  if (parts.length === 0) return undefined; // only modules a definitions fingerprint does not name
  const older = versions.length > 1 ? ` (the history holds ${versions.length} code versions; this is the newest)` : '';
  return (
    `the code at hand is not the code that recorded this run: fingerprint ${recorded.hash} recorded${older}, ${atHand.hash} here; ` +
    `${parts.join('; ')}. The replay may diverge; pass the --workflows module of the code that ran it`
  );
}
