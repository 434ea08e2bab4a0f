/**
 * The order in which waiting requests get a free slot on the GPU.
 *
 * Policy: weighted fair queuing by user (start-time fair queuing). Each user
 * with requests waiting has a virtual start tag; the user with the smallest
 * tag is served next, and serving advances their tag by 1/weight. With equal
 * weights this is round robin by user: a user with 50 queued requests gets
 * one slot, then everyone else waiting gets one, and so on. A user who starts
 * waiting is tagged at the current virtual time, and ties go to the user
 * served least recently, so a calm user's single request is served at the
 * next free slot even while another user floods.
 *
 * Interactive accounts (role user or admin) weigh 2, service accounts 1: when
 * both are waiting, people get two slots for each one an automation gets. We
 * chose a weight over strict priority because strict priority lets a busy
 * team starve CI jobs forever; with a weight a service account still always
 * progresses.
 *
 * The queue is bounded, and the bound is shared fairly too: when it is full,
 * a newcomer pushes out the newest request of the user with the most waiting
 * (if that user has more than the newcomer would), so one user with no
 * concurrency cap cannot fill the queue and lock everyone else out.
 *
 * Pure and in memory: it lives inside the single AdmissionQueue Durable
 * Object, whose waiting requests are live calls that do not survive it anyway.
 */

export interface Dequeued<T> {
  user: string;
  item: T;
}

interface UserLine<T> {
  weight: number;
  items: T[];
  /** Virtual time at which this user's next request starts. */
  start: number;
}

export class FairQueue<T> {
  private readonly lines = new Map<string, UserLine<T>>();
  /** Finish tags of users no longer waiting, so leaving and rejoining gains nothing. */
  private readonly finished = new Map<string, number>();
  /** When each user was last served (a counter, not a clock): the tie-break. */
  private readonly lastServed = new Map<string, number>();
  private virtualTime = 0;
  private serveCount = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(user: string, weight: number, item: T): void {
    if (!(weight > 0)) throw new RangeError("weight must be positive");
    const line = this.lines.get(user);
    if (line) {
      line.items.push(item);
    } else {
      const start = Math.max(this.finished.get(user) ?? 0, this.virtualTime);
      this.finished.delete(user);
      this.lines.set(user, { weight, items: [item], start });
    }
    this.count += 1;
  }

  /** The next request to serve, or undefined when nobody waits. */
  pop(): Dequeued<T> | undefined {
    return this.popFirst(() => true);
  }

  /**
   * The next request, in fair order, that `servable` accepts: users in tag
   * order, each user's requests in arrival order. With several backends a
   * free slot goes to the fairest request that may use it, so a request
   * waiting for a busy box does not hold up one that a free box can serve;
   * the skipped user keeps its tag and is first once its box frees.
   */
  popFirst(servable: (item: T) => boolean): Dequeued<T> | undefined {
    for (const user of this.usersInOrder()) {
      const line = this.lines.get(user)!;
      const index = line.items.findIndex(servable);
      if (index >= 0) return this.serve(user, line, index);
    }
    return undefined;
  }

  private serve(user: string, line: UserLine<T>, index: number): Dequeued<T> {
    const [item] = line.items.splice(index, 1) as [T];
    this.count -= 1;
    // Monotonic: a skipped user may hold an older tag than the one served (same as line.start with one backend).
    this.virtualTime = Math.max(this.virtualTime, line.start);
    line.start += 1 / line.weight;
    this.serveCount += 1;
    this.lastServed.set(user, this.serveCount);
    if (line.items.length === 0) {
      this.lines.delete(user);
      this.finished.set(user, line.start);
    }
    this.forgetIdle();
    return { user, item };
  }

  /** Takes a request out (its caller gave up or timed out). */
  remove(user: string, item: T): boolean {
    const line = this.lines.get(user);
    const index = line ? line.items.indexOf(item) : -1;
    if (!line || index < 0) return false;
    line.items.splice(index, 1);
    this.count -= 1;
    if (line.items.length === 0) {
      this.lines.delete(user);
      // It was never served from this position: keep the tag it had, no credit, no debt.
      this.finished.set(user, line.start);
    }
    return true;
  }

  /** How many requests `user` has waiting. */
  waitingFor(user: string): number {
    return this.lines.get(user)?.items.length ?? 0;
  }

  /** The user with the most requests waiting, and how many. */
  busiest(): { user: string; count: number } | undefined {
    let best: { user: string; count: number } | undefined;
    for (const [user, line] of this.lines) {
      if (!best || line.items.length > best.count) best = { user, count: line.items.length };
    }
    return best;
  }

  /** Takes out `user`'s most recently queued request (to make room for someone with fewer). */
  popNewest(user: string): T | undefined {
    const line = this.lines.get(user);
    const item = line?.items.at(-1);
    if (item === undefined) return undefined;
    this.remove(user, item);
    return item;
  }

  /** Waiting requests per user, in no particular order. */
  waiting(): Map<string, T[]> {
    const result = new Map<string, T[]>();
    for (const [user, line] of this.lines) result.set(user, [...line.items]);
    return result;
  }

  /** Users with requests waiting, next to serve first: smallest tag, ties to the least recently served. */
  private usersInOrder(): string[] {
    return [...this.lines.keys()].sort((a, b) => {
      const gap = this.lines.get(a)!.start - this.lines.get(b)!.start;
      if (Math.abs(gap) > 1e-9) return gap;
      return (this.lastServed.get(a) ?? 0) - (this.lastServed.get(b) ?? 0);
    });
  }

  /** Tags at or behind the virtual time no longer matter: max(tag, now) is now. */
  private forgetIdle(): void {
    for (const [user, tag] of this.finished) {
      if (tag <= this.virtualTime) this.finished.delete(user);
    }
    if (this.lastServed.size > 10_000) {
      for (const user of this.lastServed.keys()) if (!this.lines.has(user)) this.lastServed.delete(user);
    }
  }
}
