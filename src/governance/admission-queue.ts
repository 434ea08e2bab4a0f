import { DurableObject } from "cloudflare:workers";
import type { BackendOutcome } from "../backends/breaker";
import { configFrom } from "../config";
import type { PlainBindings } from "../plain-bindings";
import { BackendGates } from "./backend-gates";
import { HeldLeases } from "./held-leases";
import { KnownAlarm } from "./known-alarm";
import { earliestExpiry, expiredLeases, leaseIdsSchema, leaseTtlMs } from "./lease";
import { LeaseStore } from "./lease-store";
import {
  enterInput, failoverInput, localCandidates, slotCandidate,
  type EnterInput, type EnterResult, type FailoverInput, type FailoverResult, type SlotCandidate,
} from "./queue-entry";
import { queueSnapshot, type InflightLease, type QueueSnapshot, type Waiter } from "./queue-snapshot";
import { overloadedRetrySeconds, WaitingLine } from "./waiting-line";

export type { EnterInput, EnterResult, FailoverInput, FailoverResult, SlotCandidate } from "./queue-entry";

/**
 * A single instance (named "global"): the gate in front of every backend's
 * GPU. Each backend has its slots (`local`: GATEHOUSE_MAX_INFLIGHT); a request
 * names its candidate backends in preference order and is granted the first
 * free slot among them. Others wait, at most GATEHOUSE_MAX_QUEUE of them (one
 * queue for all backends), each for at most GATEHOUSE_QUEUE_TIMEOUT seconds,
 * and a freed slot goes to the fairest waiting request that may use it (see
 * fair-queue.ts: round robin by user, people weigh twice what service
 * accounts do). Each backend's breaker lives here too (backend-gates.ts), so
 * one serialized place decides who may send where.
 *
 * Held slots are leases kept in memory and written to SQLite only when held
 * long enough for the object to be evicted under them (held-leases.ts), so
 * an evicted object still counts them and its alarm frees those whose
 * request died. Waiting requests are live RPC calls pending on this object;
 * they exist only in memory because they cannot outlive it. So do breakers:
 * an object evicted after being idle forgets them, and the next request is
 * the trial.
 */

export const admissionQueueName = "global";

const outcomes = new Set<unknown>(["success", "failure", null, undefined]);

export class AdmissionQueue extends DurableObject<PlainBindings> {
  private readonly inflight: HeldLeases;
  private readonly line = new WaitingLine();
  private readonly gates: BackendGates;
  private readonly nextAlarm: KnownAlarm;

  constructor(ctx: DurableObjectState, env: PlainBindings) {
    super(ctx, env);
    const config = () => configFrom(this.env);
    this.gates = new BackendGates(() => ({ failures: config().GATEHOUSE_BREAKER_FAILURES, cooldownMs: config().GATEHOUSE_BREAKER_COOLDOWN * 1000 }));
    this.inflight = new HeldLeases(new LeaseStore(ctx.storage.sql));
    this.nextAlarm = new KnownAlarm(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => {
      this.gates.learn(localCandidates(config().GATEHOUSE_MAX_INFLIGHT));
      for (const lease of this.inflight.restore()) this.gates.hold(lease.backend, Date.now());
      await this.nextAlarm.load();
    });
  }

  /** Resolves when the request holds a slot (the grant names the backend), or when it is refused. */
  async enter(input: EnterInput): Promise<EnterResult> {
    const request = enterInput.parse(input);
    const config = configFrom(this.env);
    const now = Date.now();
    this.dropExpired(now);
    if (this.inflight.has(request.leaseId) || this.line.has(request.leaseId)) {
      throw new Error("lease id already in use");
    }
    const candidates = request.candidates ?? localCandidates(config.GATEHOUSE_MAX_INFLIGHT);
    this.gates.learn(candidates);
    const full = this.line.queued >= config.GATEHOUSE_MAX_QUEUE && this.gates.pick(candidates, now) === null;
    if (full && !this.line.makeRoomFor(request.userId)) {
      return { ok: false, reason: "full", retryAfter: overloadedRetrySeconds };
    }
    const granted = this.line.add({ ...request, candidates }, now, config.GATEHOUSE_QUEUE_TIMEOUT);
    // Even with a slot free, the fair order decides who gets it.
    this.pump(now);
    await this.scheduleAlarm();
    return granted;
  }

  /**
   * Before the first byte: gives back the slot the lease holds (feeding its
   * breaker `outcome`) and takes the first free slot among the other
   * candidates, ahead of the fair queue; waits for one, first in line, when
   * none is free. "none" when no other candidate exists or the lease is not held.
   */
  async failover(input: FailoverInput): Promise<FailoverResult> {
    const request = failoverInput.parse(input);
    const now = Date.now();
    this.dropExpired(now);
    const lease = this.inflight.get(request.leaseId);
    if (lease) this.freeLease(lease, request.outcome, now);
    const others = request.candidates.filter((candidate) => candidate.name !== lease?.backend);
    if (!lease || others.length === 0) {
      this.pump(now);
      await this.scheduleAlarm();
      return { ok: false, reason: "none", retryAfter: overloadedRetrySeconds };
    }
    this.gates.learn(others);
    const waiter = { leaseId: lease.leaseId, userId: lease.userId, username: lease.username, service: false, candidates: others };
    const granted = this.line.add({ ...waiter, failedOver: lease.backend }, now, configFrom(this.env).GATEHOUSE_QUEUE_TIMEOUT);
    this.pump(now);
    await this.scheduleAlarm();
    const result = await granted;
    return result.ok || result.reason !== "full" ? (result as FailoverResult) : { ...result, reason: "none" };
  }

  /** Keeps a live request's slot; false when it holds none (true while it waits). */
  async renew(leaseId: string): Promise<boolean> {
    const [held] = await this.renewAll([leaseId]);
    return held === true || this.line.has(leaseId);
  }

  /** Keeps the slots of every live request a worker names, in one call and one commit (admission-beat.ts). */
  async renewAll(leaseIds: string[]): Promise<boolean[]> {
    return this.inflight.renew(leaseIdsSchema.parse(leaseIds), Date.now());
  }

  /** Frees the slot (its backend's breaker learns `outcome`), or takes the request out of the queue. */
  async release(leaseId: string, outcome?: BackendOutcome | null): Promise<void> {
    if (!outcomes.has(outcome)) throw new TypeError("outcome must be success, failure or null");
    this.line.giveUp(leaseId, "cancelled");
    const lease = this.inflight.get(leaseId);
    if (lease) {
      this.freeLease(lease, outcome ?? null, Date.now());
      this.pump(Date.now());
    }
    await this.scheduleAlarm();
  }

  /** An outcome learned without a slot held here (see reportOutcome in admission.ts). */
  async reportOutcome(backend: string, outcome: BackendOutcome): Promise<void> {
    if (outcome !== "success" && outcome !== "failure") throw new TypeError("outcome must be success or failure");
    this.gates.record(slotCandidate.shape.name.parse(backend), outcome, Date.now());
    this.pump(Date.now());
    await this.scheduleAlarm();
  }

  /** Probe answers (src/backends/health.ts): a failed probe counts as a failure, an answer closes a half-open breaker. */
  async probed(results: { name: string; up: boolean }[]): Promise<void> {
    for (const { name, up } of results) this.gates.probed(slotCandidate.shape.name.parse(name), up === true, Date.now());
    this.pump(Date.now());
    await this.scheduleAlarm();
  }

  /** In flight and waiting, per user and per backend (GET /admin/api/queue, /metrics); `catalog`: the backends to list, idle ones too. */
  async snapshot(catalog: SlotCandidate[] = []): Promise<QueueSnapshot> {
    const config = configFrom(this.env);
    this.gates.learn(catalog.map((candidate) => slotCandidate.parse(candidate)));
    const waiting = this.line.all();
    const now = Date.now();
    const listed = new Set(catalog.map((candidate) => candidate.name));
    // With the catalog given, a backend removed or disabled since drops out once nothing holds or waits for it.
    const backends = this.gates
      .view(now, (name) => waiting.filter((w) => w.candidates.some((c) => c.name === name)).length)
      .filter((backend) => listed.size === 0 || listed.has(backend.name) || backend.inflight > 0 || backend.waiting > 0);
    return queueSnapshot(this.inflight.values(), this.line.byUser(), now, {
      maxInflight: config.GATEHOUSE_MAX_INFLIGHT,
      maxQueue: config.GATEHOUSE_MAX_QUEUE,
    }, backends);
  }

  /** Frees the slots of requests that stopped renewing, and hands them on; lets half-open breakers take a trial. */
  override async alarm(): Promise<void> {
    this.nextAlarm.fired();
    this.dropExpired(Date.now());
    this.pump(Date.now());
    await this.scheduleAlarm();
  }

  /** Hands free slots to waiting requests: failovers first, then in fair order. */
  private pump(now: number): void {
    for (;;) {
      let backend: string | null = null;
      const waiter = this.line.take((next: Waiter) => (backend = this.gates.pick(next.candidates, now, next.failedOver)) !== null);
      if (!waiter || backend === null) return;
      this.grant(waiter, backend, now);
    }
  }

  private grant(waiter: Waiter, backend: string, now: number): void {
    const trial = this.gates.hold(backend, now);
    const lease: InflightLease = {
      leaseId: waiter.leaseId, userId: waiter.userId, username: waiter.username, backend, trial,
      grantedAt: now, expiresAt: now + leaseTtlMs,
    };
    this.inflight.add(lease);
    waiter.resolve({ ok: true, waitedMs: now - waiter.enqueuedAt, backend });
  }

  private freeLease(lease: InflightLease, outcome: BackendOutcome | null, now: number): void {
    this.inflight.remove(lease.leaseId);
    this.gates.release(lease.backend, outcome, lease.trial === true, now);
  }

  private dropExpired(now: number): void {
    const expired = expiredLeases([...this.inflight.values()].map((lease) => [lease.leaseId, lease.expiresAt]), now);
    for (const id of expired) this.freeLease(this.inflight.get(id)!, null, now);
  }

  private async scheduleAlarm(): Promise<void> {
    const expiries = [...this.inflight.values()].map((lease) => lease.expiresAt);
    // Someone waits while a breaker cools down: wake when it may take a trial.
    const retryAt = this.line.all().length > 0 ? this.gates.nextRetryAt(Date.now()) : null;
    const next = earliestExpiry(retryAt === null ? expiries : [...expiries, retryAt]);
    await this.nextAlarm.moveEarlier(next);
  }
}

/** The one GPU queue every inference request waits in. */
export function admissionQueue(env: { ADMISSION: DurableObjectNamespace<AdmissionQueue> }): DurableObjectStub<AdmissionQueue> {
  return env.ADMISSION.get(env.ADMISSION.idFromName(admissionQueueName));
}
