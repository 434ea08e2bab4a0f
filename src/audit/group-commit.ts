import { linkHash } from "./canonical";

/**
 * Group commit for the audit ledger. Every write (a started record, a
 * completion, a refusal, an admin action) is an Op that builds its D1
 * statements; while one D1 batch is in flight the next ops queue up and are
 * committed together in the following batch, as one transaction. Idle, an op
 * commits at once (no added latency); under load, one transaction carries
 * many requests (DESIGN.md: one awaited insert per request caps near
 * 1,400 req/s).
 *
 * Ops that seal a record take the next chain position from a ChainDraft that
 * starts at the committed head; the head moves only once the batch has
 * committed. If a batch fails, each op is retried alone, so one bad op fails
 * alone and the rest still land.
 *
 * An op submitted with `linger` (a completion: written after the answer,
 * nobody waits for it) may wait up to `lingerMs` for company: the next op
 * that must not wait (a write-ahead begin, on a request's critical path)
 * takes it along in its own batch. So a steady stream of requests, even
 * one client's one after another, costs one D1 transaction per request
 * instead of two. Alone, it commits once its time is up.
 */

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface Link {
  seq: number;
  prevHash: string;
  hash: string;
}

/** Chain positions handed out within one batch, from the committed head on. */
export class ChainDraft {
  constructor(public head: ChainHead) {}

  async next(contentHash: string): Promise<Link> {
    const seq = this.head.seq + 1;
    const hash = await linkHash(seq, this.head.hash, contentHash);
    const link = { seq, prevHash: this.head.hash, hash };
    this.head = { seq, hash };
    return link;
  }
}

/** Builds an op's statements (opaque to this class); may take chain positions from the draft. */
export type BuildOp<S> = (draft: ChainDraft) => Promise<S[]>;

interface Pending<S> {
  build: BuildOp<S>;
  /** May wait for company until `at + lingerMs`. */
  linger: boolean;
  at: number;
  resolve(): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions<S> {
  head(): ChainHead;
  /** Runs the statements as one transaction. */
  commit(statements: S[], head: ChainHead): Promise<void>;
  maxOps?: number;
  /** How long a lingering op may wait for company (default 0: never). */
  lingerMs?: number;
}

export class GroupCommit<S> {
  private readonly queue: Pending<S>[] = [];
  private busy = false;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: GroupCommitOptions<S>) {}

  submit(build: BuildOp<S>, options: { linger?: boolean } = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ build, linger: options.linger === true && (this.options.lingerMs ?? 0) > 0, at: Date.now(), resolve, reject });
      void this.pump();
    });
  }

  /** Milliseconds the queue may still wait: >0 only while every op in it lingers and the oldest has time left. */
  private waitLeft(now: number): number {
    if (this.queue.some((op) => !op.linger)) return 0;
    return Math.max(0, this.queue[0]!.at + (this.options.lingerMs ?? 0) - now);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    try {
      while (this.queue.length > 0) {
        const wait = this.waitLeft(Date.now());
        if (wait > 0) {
          this.lingerTimer = setTimeout(() => void this.pump(), wait);
          break;
        }
        const ops = this.queue.splice(0, this.options.maxOps ?? 200);
        const retry = await this.run(ops);
        // A failed group is retried one op at a time, so only the bad op fails.
        for (const op of retry) await this.run([op], true);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Commits the ops as one batch; returns the ops to retry alone when a group's batch failed. */
  private async run(ops: Pending<S>[], alone = false): Promise<Pending<S>[]> {
    const draft = new ChainDraft(this.options.head());
    const statements: S[] = [];
    const built: Pending<S>[] = [];
    for (const op of ops) {
      const before = draft.head;
      try {
        statements.push(...(await op.build(draft)));
        built.push(op);
      } catch (error) {
        draft.head = before;
        op.reject(error);
      }
    }
    if (statements.length === 0) {
      for (const op of built) op.resolve();
      return [];
    }
    try {
      await this.options.commit(statements, draft.head);
    } catch (error) {
      if (!alone && built.length > 1) return built;
      for (const op of built) op.reject(error);
      return [];
    }
    for (const op of built) op.resolve();
    return [];
  }
}
