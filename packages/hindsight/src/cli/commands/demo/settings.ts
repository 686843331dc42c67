/** Where the demo finds its parts, and the numbers that set its pace. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This file is dist/src/cli/commands/demo/settings.js inside packages/hindsight. */
export const CLI_MAIN = fileURLToPath(new URL('../../main.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../../../../', import.meta.url));
export const EXAMPLE_WORKFLOWS = path.join(REPO_ROOT, 'examples', 'checkout', 'dist', 'workflows.js');
export const EXAMPLE_SOURCE = path.join(REPO_ROOT, 'examples', 'checkout', 'src', 'workflows.ts');

// Seconds, not days, so that the tour ends while someone watches it.
export const LEASE_TIMEOUT = '2s';
export const FOLLOW_UP_AFTER = '2s';
export const APPROVAL_TIMEOUT = '3s';
/** The orders the demo approves or cancels wait longer: on a loaded machine their answer must not lose a race with the timer. */
export const ANSWERED_APPROVAL_TIMEOUT = '5 minutes';
export const RESULT_TIMEOUT_MS = 40_000;

/** A queue of its own: a `hindsight dev` on the same store does not take the demo's runs. */
export const TASK_QUEUE = 'checkout-demo';
export const MAX_ORDERS = 100;
