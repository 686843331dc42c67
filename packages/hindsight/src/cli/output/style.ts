import pc from 'picocolors';

type Paint = (s: string) => string;

/** One colour per run status, the same in every table and log line. */
const STATUS_PAINT: Record<string, Paint> = {
  RUNNING: pc.cyan,
  BLOCKED: (s) => pc.bold(pc.magenta(s)),
  COMPLETED: pc.green,
  FAILED: pc.red,
  CANCELLED: pc.yellow,
  TERMINATED: pc.red,
  CONTINUED_AS_NEW: pc.blue,
};

export function paintStatus(status: string): string {
  return (STATUS_PAINT[status] ?? ((s: string) => s))(status);
}

/** The run status a closing event leads to. */
export const STATUS_OF_CLOSING: Record<string, string> = {
  WorkflowCompleted: 'COMPLETED',
  WorkflowFailed: 'FAILED',
  WorkflowCancelled: 'CANCELLED',
  WorkflowTerminated: 'TERMINATED',
  WorkflowContinuedAsNew: 'CONTINUED_AS_NEW',
};

/** Ids are UUIDs; eight characters tell runs apart in a log. */
export const shortId = (id: string): string => id.slice(0, 8);
