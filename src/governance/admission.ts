import type { TokenUsage } from "../inference/exchange";
import type { BackendOutcome } from "../backends/breaker";
import type { HealthOf } from "../backends/health-order";
import { GatehouseError } from "../errors";
import { observeQueueWait } from "../observability/registry";
import { admissionQueue, type AdmissionQueue, type EnterInput, type EnterResult, type FailoverResult, type SlotCandidate } from "./admission-queue";
import { dropLease, dueRenewal, holdLease } from "./admission-beat";
import { leaseRenewMs, maxHoldMs } from "./lease";
import type { Limits } from "./limits";
import type { Reservation } from "./reservation";
import type { RateInfo } from "./token-bucket";
import type { Decision } from "./user-policy";
import type { UserLimiter } from "./user-limiter";

/**
 * One request's admission, seen from the worker: it takes the user's slot and
 * a slot on one backend from the two Durable Objects, keeps both leases alive
 * while the request lives, and gives them back exactly once through
 * release(). The worker keeps no limiter state of its own: every count lives
 * in the Durable Objects, which are the serialization point.
 *
 * Fail closed: if either object cannot answer, the request is refused with
 * 503 limiter_unavailable and never forwarded.
 *
 * The interface routing calls (issue 16):
 * - enterQueue({userId, username, service, candidates}): `candidates` are the
 *   backends that may serve the request, in preference order, each with its
 *   slots: `[{name:"box-a",slots:1},{name:"box-b",slots:2}]` (absent: `local`
 *   with GATEHOUSE_MAX_INFLIGHT). Resolves with the backend granted — the
 *   first candidate with a free slot whose breaker lets traffic through (all
 *   of them when every breaker is open), in the fair order across users; one
 *   DO round trip, as before. Throws 503 overloaded (queue full, deadline).
 *   `admission.backend` says the same afterwards.
 * - failover(outcome, candidates) before the first byte: gives the held
 *   slot back (its breaker learns `outcome`: "failure" for a connection
 *   error or 5xx) and takes a free slot on another candidate ahead of the
 *   fair queue (waiting first in line when none is free); resolves with the
 *   new backend, or null when there is none (nothing is held then). One round trip.
 * - release(usage, outcome): frees the slot and feeds that backend's breaker
 *   in the same round trip. admit.ts passes backendOutcomeOf(result)
 *   (src/backends/breaker.ts): connection errors, timeouts and 5xx fail, 4xx succeed.
 * - reportOutcome(env, backend, outcome) (below): an outcome learned outside
 *   a held slot (one round trip of its own).
 * - backendHealth(env) (below) with healthyFirst() (src/backends/health-order.ts):
 *   candidates ordered by breaker and probe, for a caller that wants to look
 *   first; admission itself needs neither.
 */
export interface AdmissionHandle {
  /** The user's rate bucket after this request (the RateLimit-* headers), or null when unlimited. */
  readonly rate: RateInfo | null;
  /** The backend whose slot this request holds, or null while it holds none. */
  readonly backend: string | null;
  /** Before the first byte: moves to another candidate's slot (see above); null when there is none. */
  failover(outcome: BackendOutcome | null, candidates: SlotCandidate[]): Promise<string | null>;
  /**
   * Frees the user's concurrency slot and the backend slot and charges the tokens
   * the upstream reported (null when it reported none); `outcome` feeds the
   * backend's breaker. Call it once, when the response has ended, failed, or
   * the client went away; later calls are no-ops.
   */
  release(usage?: TokenUsage | null, outcome?: BackendOutcome | null): Promise<void>;
}

/** Every backend's breaker and last probe, by name (one round trip; see src/backends/health-order.ts). */
export async function backendHealth(env: { ADMISSION: DurableObjectNamespace<AdmissionQueue> }): Promise<Map<string, HealthOf>> {
  const { backends } = await admissionQueue(env).snapshot();
  return new Map(backends.map((backend) => [backend.name, { breaker: backend.breaker, health: backend.health }]));
}

/** An outcome seen outside a held slot (a discovery call, say) for `backend`'s breaker. */
export async function reportOutcome(
  env: { ADMISSION: DurableObjectNamespace<AdmissionQueue> },
  backend: string,
  outcome: BackendOutcome,
): Promise<void> {
  await admissionQueue(env).reportOutcome(backend, outcome);
}

type Stub<T extends Rpc.DurableObjectBranded> = DurableObjectStub<T>;

export class Admission implements AdmissionHandle {
  rate: RateInfo | null = null;
  backend: string | null = null;
  /** Resolves once released (or once renewing gave up); keeps the request's context alive until then. */
  readonly done: Promise<void>;
  private markDone!: () => void;
  private userHeld = false;
  private queueState: "none" | "waiting" | "held" = "none";
  private released: Promise<void> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly startedAt = Date.now();
  /** The two objects, as admission-beat.ts names them. */
  private readonly userObject: string;
  private readonly queueObject: string;

  constructor(
    private readonly limiter: Stub<UserLimiter>,
    private readonly queue: Stub<AdmissionQueue>,
    private readonly leaseId: string,
  ) {
    this.userObject = `user:${limiter.id.toString()}`;
    this.queueObject = `queue:${queue.id.toString()}`;
    this.done = new Promise<void>((resolve) => (this.markDone = resolve));
  }

  /**
   * Rate, concurrency, quota: throws 429 with the refusing limit's headers, or
   * 503 if the limiter fails. Holds `reserve` against the quota and returns the
   * output this request may generate (its ceiling, cut to the quota left).
   */
  async acquireUser(limits: Limits, reserve?: Reservation): Promise<number> {
    const decision = await this.call<Decision>(() => this.limiter.acquire({ leaseId: this.leaseId, limits, reserve }));
    if (!decision.ok) {
      throw new GatehouseError(decision.code, { retryAfter: decision.retryAfter, headers: rateLimitHeaders(decision.rate) });
    }
    this.userHeld = true;
    holdLease(this.userObject, this.leaseId, Date.now());
    this.rate = decision.rate;
    this.startRenewing();
    return decision.output;
  }

  /** Waits for a slot on one of the candidates in fair order; throws 503 overloaded when full or past the deadline. */
  async enterQueue(request: Omit<EnterInput, "leaseId">): Promise<string> {
    this.queueState = "waiting";
    const result = await this.call<EnterResult>(() => this.queue.enter({ ...request, leaseId: this.leaseId }));
    this.queueState = result.ok ? "held" : "none";
    this.backend = result.ok ? result.backend : null;
    if (result.ok) {
      observeQueueWait(result.waitedMs); // gatehouse_queue_wait_seconds
      if (!this.released) holdLease(this.queueObject, this.leaseId, Date.now());
    }
    if (this.released) {
      // Released while waiting (the client went away): give back a slot granted meanwhile.
      if (result.ok) await this.queue.release(this.leaseId).catch(() => {});
      throw new GatehouseError("overloaded");
    }
    if (!result.ok) {
      throw new GatehouseError("overloaded", { retryAfter: result.retryAfter, headers: this.rate ? rateLimitHeaders(this.rate) : {} });
    }
    return result.backend;
  }

  async failover(outcome: BackendOutcome | null, candidates: SlotCandidate[]): Promise<string | null> {
    if (this.queueState !== "held" || this.released) return null;
    this.queueState = "waiting";
    const result = await this.call<FailoverResult>(() => this.queue.failover({ leaseId: this.leaseId, outcome, candidates }));
    this.queueState = result.ok ? "held" : "none";
    this.backend = result.ok ? result.backend : null;
    if (!result.ok) dropLease(this.queueObject, this.leaseId);
    // Released while waiting (the client went away): the release gave the slot back already.
    return this.released ? null : this.backend;
  }

  release(usage: TokenUsage | null = null, outcome: BackendOutcome | null = null): Promise<void> {
    this.released ??= this.settle(usage, outcome);
    return this.released;
  }

  private async settle(usage: TokenUsage | null, outcome: BackendOutcome | null): Promise<void> {
    this.stopRenewing();
    const calls: Promise<unknown>[] = [];
    if (this.queueState !== "none") calls.push(this.queue.release(this.leaseId, this.queueState === "held" ? outcome : null));
    if (this.userHeld) calls.push(this.limiter.release(this.leaseId, usage));
    const outcomes = await Promise.allSettled(calls);
    if (outcomes.some((outcome) => outcome.status === "rejected")) {
      // The leases lapse on their own (alarm); the charge is lost, which we log.
      console.error(JSON.stringify({ level: "error", event: "admission_release_failed", request_id: this.leaseId }));
    }
    this.markDone();
  }

  private async call<T>(rpc: () => PromiseLike<T>): Promise<T> {
    try {
      return await rpc();
    } catch (error) {
      // Our own objects' errors carry no request data; log what failed, answer generically.
      const detail = error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : "unknown";
      console.error(JSON.stringify({ level: "error", event: "limiter_call_failed", request_id: this.leaseId, detail }));
      throw new GatehouseError("limiter_unavailable", { retryAfter: 5 });
    }
  }

  /**
   * This request's beat (every leaseRenewMs while it lives): renews, in one
   * call per object, every lease the isolate's live requests hold there that
   * another beat has not renewed lately (admission-beat.ts); often none.
   */
  async renew(now = Date.now()): Promise<void> {
    if (now - this.startedAt >= maxHoldMs) {
      // A request this old is stuck: stop renewing so its leases lapse, and let its context go.
      this.stopRenewing();
      this.markDone();
      return;
    }
    const calls: Promise<unknown>[] = [];
    const users = this.userHeld ? dueRenewal(this.userObject, this.leaseId, now) : [];
    if (users.length > 0) calls.push(Promise.resolve(this.limiter.renewAll(users)));
    const slots = this.queueState === "held" ? dueRenewal(this.queueObject, this.leaseId, now) : [];
    if (slots.length > 0) calls.push(Promise.resolve(this.queue.renewAll(slots)));
    // A missed renewal is retried at a later beat; a lease unrenewed for its whole ttl lapses, as designed.
    await Promise.allSettled(calls);
  }

  private startRenewing(): void {
    this.heartbeat = setInterval(() => void this.renew(), leaseRenewMs);
  }

  private stopRenewing(): void {
    clearInterval(this.heartbeat);
    dropLease(this.userObject, this.leaseId);
    dropLease(this.queueObject, this.leaseId);
  }
}

/** RateLimit-Limit / -Remaining / -Reset (IETF draft field names, as API.md promises). */
export function rateLimitHeaders(info: RateInfo): Record<string, string> {
  return {
    "RateLimit-Limit": String(info.limit),
    "RateLimit-Remaining": String(info.remaining),
    "RateLimit-Reset": String(info.reset),
  };
}
