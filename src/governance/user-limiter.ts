import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { PlainBindings } from "../plain-bindings";
import type { TokenUsage } from "../inference/exchange";
import { KnownAlarm } from "./known-alarm";
import { WriteSoon } from "./write-soon";
import { earliestExpiry, expiredLeases, leaseIdSchema, leaseIdsSchema, leaseTtlMs, spillAfterMs } from "./lease";
import { limitsSchema, type Limits } from "./limits";
import { charge } from "./quota-window";
import type { Reservation } from "./reservation";
import { decide, emptyLimiterState, usageReport, type Decision, type LimiterState, type UsageReport } from "./user-policy";

/**
 * One per user (named by user id): the serialized counter that admits or
 * refuses that user's requests. Every method reads and changes the state in
 * memory synchronously, and a Durable Object runs one event at a time, so 40
 * racing requests against a burst of 10 see exactly 10 admissions.
 *
 * Storage: one KV entry "state" = LimiterState (bucket, usage windows,
 * held leases), on disk, so counters survive a restart. The counts that
 * decide are always the ones in memory (one object, one event at a time);
 * the disk only has to catch up in time:
 * - a release (the charge) is written at once when it was the user's only
 *   request in flight, and otherwise within releaseLingerMs: releases that
 *   arrive meanwhile share the commit (write-soon.ts), so a busy user costs
 *   one commit per few requests instead of one each. Each release answers
 *   only once its charge is on disk, so the worker's way out (and a
 *   graceful stop, which drains it) waits for it; a kill -9 inside that
 *   window loses charges of requests already answered (never their audit
 *   records), as one between an answer and its release always could;
 * - an admission is written within spillAfterMs, or with a release when
 *   that comes first: under workerd's 10 s idle eviction, so an evicted
 *   object still counts a long request's slot, while a short request costs
 *   no commit of its own. A restart inside that window ends the admitted
 *   request anyway; what it loses is that request's rate token.
 * The alarm goes in the same commit when it must move earlier; its time is
 * kept in memory, and an alarm that finds nothing to free is left to fire
 * rather than deleted per request.
 */

const stateKey = "state";

/** How long a release's charge waits for others to share its commit (see above). */
export const releaseLingerMs = 5;

// Trust boundary: the worker is our own code, but a malformed call must be
// refused (the caller turns the throw into 503 limiter_unavailable), not counted.

const tokenCount = z.number().int().nonnegative().max(1_000_000_000_000);
const acquireInput = z.object({
  leaseId: leaseIdSchema,
  limits: limitsSchema,
  reserve: z.object({ prompt: tokenCount, output: tokenCount }).optional(),
});
const usageInput = z
  .object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative(), estimated: z.boolean().optional() })
  .nullable();

export interface AcquireInput {
  leaseId: string;
  limits: Limits;
  /** Held against the quota until release (src/governance/reservation.ts). */
  reserve?: Reservation;
}

export class UserLimiter extends DurableObject<PlainBindings> {
  private state: LimiterState = emptyLimiterState();
  private readonly nextAlarm: KnownAlarm;
  /** The state's next write (with the alarm when it must move earlier), shared by the changes made until it runs. */
  private readonly stateWrite = new WriteSoon(() => this.writeState());

  constructor(ctx: DurableObjectState, env: PlainBindings) {
    super(ctx, env);
    this.nextAlarm = new KnownAlarm(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => {
      this.state = (await ctx.storage.get<LimiterState>(stateKey)) ?? emptyLimiterState();
      await this.nextAlarm.load();
    });
  }

  /** Rate, then concurrency, then quota; on success takes a token and a slot leased to `leaseId`. */
  async acquire(input: AcquireInput): Promise<Decision> {
    const { leaseId, limits, reserve } = acquireInput.parse(input);
    const now = Date.now();
    this.dropExpired(now);
    const decision = decide(this.state, limits, now, reserve);
    if (!decision.ok) return decision;
    this.state = {
      ...this.state,
      bucket: decision.bucket,
      leases: { ...this.state.leases, [leaseId]: now + leaseTtlMs },
      reserved: { ...this.state.reserved, [leaseId]: decision.held },
    };
    void this.stateWrite.within(spillAfterMs);
    return decision;
  }

  /** Keeps a live request's slot; false when the lease is gone (expired or released). */
  async renew(id: string): Promise<boolean> {
    const [held] = await this.renewAll([id]);
    return held === true;
  }

  /** Keeps the slots of every live request a worker names, in one call and one commit (admission-beat.ts). */
  async renewAll(ids: string[]): Promise<boolean[]> {
    const parsed = leaseIdsSchema.parse(ids);
    const expiresAt = Date.now() + leaseTtlMs;
    const leases = { ...this.state.leases };
    const held = parsed.map((id) => {
      if (leases[id] === undefined) return false;
      leases[id] = expiresAt;
      return true;
    });
    if (!held.includes(true)) return held;
    this.state = { ...this.state, leases };
    await this.stateWrite.now();
    return held;
  }

  /**
   * Frees the slot, drops its reservation and charges the tokens the upstream
   * reported (or Gatehouse estimated). Tokens are charged even when the lease
   * already lapsed: they were spent all the same.
   */
  async release(id: string, usage: TokenUsage | null): Promise<void> {
    leaseIdSchema.parse(id);
    const leases = { ...this.state.leases };
    delete leases[id];
    const reserved = { ...this.state.reserved };
    delete reserved[id];
    // The slot is freed whatever the usage looks like; a malformed count is not charged.
    const counted = usageInput.safeParse(usage);
    const tokens = counted.success && counted.data ? counted.data.promptTokens + counted.data.completionTokens : 0;
    this.state = { ...this.state, leases, reserved, usage: tokens > 0 ? charge(this.state.usage, tokens, Date.now()) : this.state.usage };
    // Another of this user's requests in flight will release soon: share its commit. Alone, write now
    // (a timer and a turn of its own would cost more than the commit it might save). Either way the
    // release answers once its charge is on disk: a stop drains it (test/e2e/quota-stops.test.ts).
    if (Object.keys(leases).length > 0 || this.stateWrite.dueWithin(releaseLingerMs)) await this.stateWrite.within(releaseLingerMs);
    else await this.stateWrite.now();
  }

  /** The user's limits and usage now, for the account page and the admin console. */
  async report(limits: Limits): Promise<UsageReport> {
    const now = Date.now();
    this.dropExpired(now);
    return usageReport(this.state, limitsSchema.parse(limits), now);
  }

  /** Frees the slots of requests that stopped renewing (their process died). */
  override async alarm(): Promise<void> {
    this.nextAlarm.fired();
    // Nothing lapsed (the usual case: every request released): only the next alarm, if anything is held.
    await (this.dropExpired(Date.now()) ? this.stateWrite.now() : this.moveAlarm());
  }

  /** True when a lease lapsed (the state changed). */
  private dropExpired(now: number): boolean {
    const expired = expiredLeases(Object.entries(this.state.leases), now);
    if (expired.length === 0) return false;
    const leases = { ...this.state.leases };
    const reserved = { ...this.state.reserved };
    // A lapsed lease's request died with its process; what it held goes back to the quota.
    for (const id of expired) {
      delete leases[id];
      delete reserved[id];
    }
    this.state = { ...this.state, leases, reserved };
    return true;
  }

  /** The state, and the alarm when it must move earlier, written without an await between them: one commit. */
  private async writeState(): Promise<void> {
    const put = this.ctx.storage.put(stateKey, this.state);
    await Promise.all([put, this.moveAlarm()]);
  }

  /** The alarm, when the earliest lease now ends before it. */
  private async moveAlarm(): Promise<void> {
    await this.nextAlarm.moveEarlier(earliestExpiry(Object.values(this.state.leases)));
  }
}

/** The limiter of one user (named by user id). */
export function userLimiter(env: { USER_LIMITER: DurableObjectNamespace<UserLimiter> }, userId: string): DurableObjectStub<UserLimiter> {
  return env.USER_LIMITER.get(env.USER_LIMITER.idFromName(userId));
}
