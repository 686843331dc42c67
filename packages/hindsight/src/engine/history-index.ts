import type { RecordedEvent } from '../history/index.js';

const NONE: readonly RecordedEvent[] = [];

/**
 * The history a machine knows, in order and by command `seq`: replay checks
 * each command the code issues against the events recorded for its seq.
 */
export class HistoryIndex {
  readonly events: RecordedEvent[] = [];
  private readonly bySeq = new Map<number, RecordedEvent[]>();
  /** The highest seq any recorded event answers. */
  maxSeq = 0;

  add(e: RecordedEvent): void {
    this.events.push(e);
    const seq = (e as { seq?: number }).seq;
    if (seq === undefined) return;
    if (seq > this.maxSeq) this.maxSeq = seq;
    const list = this.bySeq.get(seq);
    if (list) list.push(e);
    else this.bySeq.set(seq, [e]);
  }

  /** Events recorded for `seq`, oldest first (none: the command is new). */
  forSeq(seq: number): readonly RecordedEvent[] {
    return this.bySeq.get(seq) ?? NONE;
  }

  has(seq: number): boolean {
    return this.bySeq.has(seq);
  }

  seqs(): IterableIterator<[number, RecordedEvent[]]> {
    return this.bySeq.entries();
  }
}
