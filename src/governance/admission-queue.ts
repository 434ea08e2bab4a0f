import { DurableObject } from "cloudflare:workers";
import { configFrom } from "../config";
import type { PlainBindings } from "../plain-bindings";
import { FairQueue } from "./fair-queue";
import { earliestExpiry, expiredLeases, leaseTtlMs } from "./lease";
import { enterInput, type EnterInput, type EnterResult } from "./queue-entry";
import { queueSnapshot, type InflightLease, type QueueSnapshot, type Waiter } from "./queue-snapshot";

export type { EnterInput, EnterResult } from "./queue-entry";

/**
 * A single instance (named "global"): the gate in front of the GPU. At most
 * GATEHOUSE_MAX_INFLIGHT requests hold a slot; others wait, at most
 * GATEHOUSE_MAX_QUEUE of them, each for at most GATEHOUSE_QUEUE_TIMEOUT
 * seconds, and a freed slot goes to the next request in fair order (see
 * fair-queue.ts: round robin by user, people weigh twice what service
 * accounts do).
 *
 * Held slots are leases persisted in SQLite (table `inflight`), so an
 * evicted or restarted object still counts them and its alarm frees those
 * whose request died. Waiting requests are live RPC calls pending on this
 * object; they exist only in memory because they cannot outlive it.
 */

export const admissionQueueName = "global";

/** Interactive accounts weigh twice what service accounts do (see fair-queue.ts). */
const weightOf = (service: boolean) => (service ? 1 : 2);
/** How long to tell a refused client to back off; answer lengths are unknown, so a short fixed pause. */
const overloadedRetrySeconds = 5;

export class AdmissionQueue extends DurableObject<PlainBindings> {
  private readonly inflight = new Map<string, InflightLease>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly queue = new FairQueue<Waiter>();

  constructor(ctx: DurableObjectState, env: PlainBindings) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS inflight (lease_id TEXT PRIMARY KEY, user_id TEXT NOT NULL,
         username TEXT NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
      );
      for (const row of ctx.storage.sql.exec<Record<string, string | number>>("SELECT * FROM inflight")) {
        this.inflight.set(String(row.lease_id), {
          leaseId: String(row.lease_id), userId: String(row.user_id), username: String(row.username),
          grantedAt: Number(row.granted_at), expiresAt: Number(row.expires_at),
        });
      }
    });
  }

  /** Resolves when the request holds a slot, or when it is refused (queue full, deadline, cancelled). */
  async enter(input: EnterInput): Promise<EnterResult> {
    const request = enterInput.parse(input);
    const config = configFrom(this.env);
    const now = Date.now();
    this.dropExpired(now);
    if (this.inflight.has(request.leaseId) || this.waiters.has(request.leaseId)) {
      throw new Error("lease id already in use");
    }
    const full = this.queue.size >= config.GATEHOUSE_MAX_QUEUE && this.inflight.size >= config.GATEHOUSE_MAX_INFLIGHT;
    if (full && !this.makeRoomFor(request.userId)) {
      return { ok: false, reason: "full", retryAfter: overloadedRetrySeconds };
    }
    const granted = new Promise<EnterResult>((resolve) => {
      const waiter: Waiter = { ...request, enqueuedAt: now, resolve, timer: undefined };
      waiter.timer = setTimeout(() => this.giveUp(waiter, "timeout"), config.GATEHOUSE_QUEUE_TIMEOUT * 1000);
      this.waiters.set(request.leaseId, waiter);
      this.queue.push(request.userId, weightOf(request.service), waiter);
    });
    // Even with a slot free, the fair order decides who gets it.
    this.pump(now);
    await this.scheduleAlarm();
    return granted;
  }

  /** Keeps a live request's slot; false when it holds none. */
  async renew(leaseId: string): Promise<boolean> {
    const lease = this.inflight.get(leaseId);
    if (!lease) return this.waiters.has(leaseId);
    lease.expiresAt = Date.now() + leaseTtlMs;
    this.ctx.storage.sql.exec("UPDATE inflight SET expires_at = ? WHERE lease_id = ?", lease.expiresAt, leaseId);
    return true;
  }

  /** Frees the slot, or takes the request out of the queue if it is still waiting. */
  async release(leaseId: string): Promise<void> {
    const waiter = this.waiters.get(leaseId);
    if (waiter) this.giveUp(waiter, "cancelled");
    if (this.inflight.delete(leaseId)) {
      this.ctx.storage.sql.exec("DELETE FROM inflight WHERE lease_id = ?", leaseId);
      this.pump(Date.now());
    }
    await this.scheduleAlarm();
  }

  /** In flight and waiting, per user (GET /admin/api/queue). */
  async snapshot(): Promise<QueueSnapshot> {
    const config = configFrom(this.env);
    return queueSnapshot(this.inflight.values(), this.queue.waiting(), Date.now(), {
      maxInflight: config.GATEHOUSE_MAX_INFLIGHT,
      maxQueue: config.GATEHOUSE_MAX_QUEUE,
    });
  }

  /** Frees the slots of requests that stopped renewing, and hands them on. */
  override async alarm(): Promise<void> {
    this.dropExpired(Date.now());
    this.pump(Date.now());
    await this.scheduleAlarm(true);
  }

  /** Hands free slots to waiting requests, in fair order. */
  private pump(now: number): void {
    const max = configFrom(this.env).GATEHOUSE_MAX_INFLIGHT;
    while (this.inflight.size < max) {
      const next = this.queue.pop();
      if (!next) return;
      const waiter = next.item;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter.leaseId);
      const lease: InflightLease = {
        leaseId: waiter.leaseId, userId: waiter.userId, username: waiter.username,
        grantedAt: now, expiresAt: now + leaseTtlMs,
      };
      this.inflight.set(lease.leaseId, lease);
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO inflight (lease_id, user_id, username, granted_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        lease.leaseId, lease.userId, lease.username, lease.grantedAt, lease.expiresAt,
      );
      waiter.resolve({ ok: true, waitedMs: now - waiter.enqueuedAt });
    }
  }

  /**
   * A full queue is shared fairly: the newest request of the user with the
   * most waiting is refused to make room, if that user would still have more
   * waiting than this one. False when nobody holds more than their share.
   */
  private makeRoomFor(userId: string): boolean {
    const busiest = this.queue.busiest();
    if (!busiest || busiest.count <= this.queue.waitingFor(userId) + 1) return false;
    const evicted = this.queue.popNewest(busiest.user);
    if (!evicted) return false;
    clearTimeout(evicted.timer);
    this.waiters.delete(evicted.leaseId);
    evicted.resolve({ ok: false, reason: "full", retryAfter: overloadedRetrySeconds });
    return true;
  }

  private giveUp(waiter: Waiter, reason: "timeout" | "cancelled"): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter.leaseId);
    this.queue.remove(waiter.userId, waiter);
    waiter.resolve({ ok: false, reason, retryAfter: overloadedRetrySeconds });
  }

  private dropExpired(now: number): void {
    const expired = expiredLeases([...this.inflight].map(([id, lease]) => [id, lease.expiresAt]), now);
    for (const id of expired) {
      this.inflight.delete(id);
      this.ctx.storage.sql.exec("DELETE FROM inflight WHERE lease_id = ?", id);
    }
  }

  private async scheduleAlarm(afterAlarm = false): Promise<void> {
    const next = earliestExpiry([...this.inflight.values()].map((lease) => lease.expiresAt));
    if (next === null) return;
    // Inside alarm() the fired alarm may still read as set; always set the next one.
    const current = afterAlarm ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }
}

/** The one GPU queue every inference request waits in. */
export function admissionQueue(env: { ADMISSION: DurableObjectNamespace<AdmissionQueue> }): DurableObjectStub<AdmissionQueue> {
  return env.ADMISSION.get(env.ADMISSION.idFromName(admissionQueueName));
}
