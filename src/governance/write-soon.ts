/**
 * One write that may wait a little, shared by every change made meanwhile:
 * each caller says how long its change may stay in memory only, the
 * earliest deadline wins, and each caller that waits is answered once the
 * one write covering its change has finished — so a caller that replies
 * only after waiting never replies before its change is on disk.
 *
 * `write` must write the state as it is when it runs (it then covers every
 * change made before it). A write made now answers the waiting ones too.
 */
export class WriteSoon {
  private pending: { dueAt: number; timer: ReturnType<typeof setTimeout>; done: PromiseWithResolvers<void> } | null = null;

  constructor(private readonly write: () => Promise<void>) {}

  /** Writes within `ms` (sooner if a write is due sooner already); resolves once written. */
  within(ms: number): Promise<void> {
    const dueAt = Date.now() + ms;
    const pending = this.pending;
    if (pending && pending.dueAt <= dueAt) return pending.done.promise;
    const done = Promise.withResolvers<void>();
    // A caller that does not wait (an admission's spill) must not leave a failed write unhandled.
    done.promise.catch(() => {});
    if (pending) {
      // The earlier write covers what the later one would have: its waiters are answered by it.
      clearTimeout(pending.timer);
      done.promise.then(pending.done.resolve, pending.done.reject);
    }
    this.pending = { dueAt, timer: setTimeout(() => void this.now().catch(() => {}), ms), done };
    return done.promise;
  }

  /** True when a write is already due within `ms` (joining it costs nothing extra). */
  dueWithin(ms: number): boolean {
    return this.pending !== null && this.pending.dueAt <= Date.now() + ms;
  }

  /** Writes now; whoever waits on a pending write is answered by this one. */
  async now(): Promise<void> {
    const pending = this.pending;
    this.pending = null;
    if (pending) clearTimeout(pending.timer);
    try {
      await this.write();
      pending?.done.resolve();
    } catch (error) {
      pending?.done.reject(error);
      throw error;
    }
  }
}
