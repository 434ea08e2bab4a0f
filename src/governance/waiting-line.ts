import { FairQueue } from "./fair-queue";
import type { EnterResult } from "./queue-entry";
import type { Waiter } from "./queue-snapshot";

/**
 * Who waits for a slot, inside the AdmissionQueue Durable Object: failovers
 * first (a request that lost its backend before the first byte goes ahead
 * of the queue, in arrival order), then everyone else in fair order
 * (fair-queue.ts). Each waiter is a pending RPC call with its deadline.
 */

/** Interactive accounts weigh twice what service accounts do (see fair-queue.ts). */
const weightOf = (service: boolean) => (service ? 1 : 2);
/** How long to tell a refused client to back off; answer lengths are unknown, so a short fixed pause. */
export const overloadedRetrySeconds = 5;

export type NewWaiter = Omit<Waiter, "enqueuedAt" | "resolve" | "timer">;

export class WaitingLine {
  private readonly waiters = new Map<string, Waiter>();
  private readonly queue = new FairQueue<Waiter>();
  private readonly failovers: Waiter[] = [];

  /** Requests in the fair queue (failovers are not counted against its bound). */
  get queued(): number {
    return this.queue.size;
  }

  has(leaseId: string): boolean {
    return this.waiters.has(leaseId);
  }

  all(): Waiter[] {
    return [...this.waiters.values()];
  }

  /** Puts a request in line until its deadline; resolves when granted or refused. */
  add(request: NewWaiter, now: number, timeoutSeconds: number): Promise<EnterResult> {
    return new Promise<EnterResult>((resolve) => {
      const waiter: Waiter = { ...request, enqueuedAt: now, resolve, timer: undefined };
      waiter.timer = setTimeout(() => this.giveUp(waiter.leaseId, "timeout"), timeoutSeconds * 1000);
      this.waiters.set(request.leaseId, waiter);
      if (request.failedOver) this.failovers.push(waiter);
      else this.queue.push(request.userId, weightOf(request.service), waiter);
    });
  }

  /** The next waiter `servable` accepts: failovers first, then in fair order. Taken out of line. */
  take(servable: (waiter: Waiter) => boolean): Waiter | undefined {
    const failover = this.failovers.findIndex(servable);
    const waiter = failover >= 0 ? this.failovers.splice(failover, 1)[0] : this.queue.popFirst(servable)?.item;
    if (waiter) {
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter.leaseId);
    }
    return waiter;
  }

  /** Refuses a waiter (deadline, cancelled); false when it is not waiting. */
  giveUp(leaseId: string, reason: "timeout" | "cancelled"): boolean {
    const waiter = this.waiters.get(leaseId);
    if (!waiter) return false;
    clearTimeout(waiter.timer);
    this.waiters.delete(leaseId);
    const failover = this.failovers.indexOf(waiter);
    if (failover >= 0) this.failovers.splice(failover, 1);
    else this.queue.remove(waiter.userId, waiter);
    waiter.resolve({ ok: false, reason, retryAfter: overloadedRetrySeconds });
    return true;
  }

  /**
   * A full queue is shared fairly: the newest request of the user with the
   * most waiting is refused to make room, if that user would still have more
   * waiting than this one. False when nobody holds more than their share.
   */
  makeRoomFor(userId: string): boolean {
    const busiest = this.queue.busiest();
    if (!busiest || busiest.count <= this.queue.waitingFor(userId) + 1) return false;
    const evicted = this.queue.popNewest(busiest.user);
    if (!evicted) return false;
    clearTimeout(evicted.timer);
    this.waiters.delete(evicted.leaseId);
    evicted.resolve({ ok: false, reason: "full", retryAfter: overloadedRetrySeconds });
    return true;
  }

  /** Waiting requests per user (failovers included). */
  byUser(): Map<string, Waiter[]> {
    const result = this.queue.waiting();
    for (const waiter of this.failovers) result.set(waiter.userId, [...(result.get(waiter.userId) ?? []), waiter]);
    return result;
  }
}
