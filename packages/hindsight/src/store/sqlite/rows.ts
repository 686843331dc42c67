import type { FailureInfo, HistoryEvent, RecordedEvent } from '../../history/events.js';
import type { RunRecord, RunStatus } from '../types.js';

/** A `runs` row as the driver returns it. */
export interface RunRow {
  run_id: string;
  workflow_id: string;
  workflow_type: string;
  task_queue: string;
  status: RunStatus;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  input: string | null;
  result: string | null;
  error: string | null;
  parent_run_id: string | null;
  event_count: number;
  fingerprint: string | null;
  blocked_reason: string | null;
  blocked_fingerprint: string | null;
  wake_at: number | null;
  ready: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  lease_epoch: number;
}

export interface EventRow {
  id: number;
  ts: number;
  type: string;
  data: string;
}

/** `undefined` has no JSON form; it is stored as NULL and comes back as `undefined`. */
export const toJson = (value: unknown): string | null =>
  value === undefined ? null : (JSON.stringify(value) ?? null);

export const fromJson = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

export function toRunRecord(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    workflowId: row.workflow_id,
    workflowType: row.workflow_type,
    taskQueue: row.task_queue,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
    input: fromJson(row.input),
    result: fromJson(row.result),
    error: row.error === null ? null : (JSON.parse(row.error) as FailureInfo),
    parentRunId: row.parent_run_id,
    eventCount: row.event_count,
    fingerprint: row.fingerprint,
    blockedReason: row.blocked_reason,
    wakeAt: row.wake_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
  };
}

/**
 * The event as JSON. id, ts and type are repeated in their own columns (for
 * queries); serializing the object as it is avoids copying it without them,
 * which costs more than the bytes it saves on this hot path.
 */
export function eventData(event: RecordedEvent): string {
  return JSON.stringify(event);
}

/** The columns win over the JSON, which may hold only the event's own fields. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  const event = JSON.parse(row.data) as RecordedEvent<HistoryEvent>;
  event.id = row.id;
  event.ts = row.ts;
  (event as { type: string }).type = row.type;
  return event;
}
