import { DurableObject } from "cloudflare:workers";
import type { PlainBindings } from "../plain-bindings";
import { emptyState, expiresAt, recordFailure, retryAfterSeconds, type AttemptState } from "./attempt-policy";

/**
 * Counts failed sign-ins (src/auth/attempt-policy.ts decides). A Durable
 * Object, so every isolate sees the same count and the count survives a
 * restart; serialized, so parallel guesses cannot slip past between a read
 * and a write.
 *
 * Two uses (src/auth/throttle.ts names them, by HMAC, never by a typed name):
 * - one counter per account and one per client address: the methods without
 *   a key (storage: "state");
 * - one shared table for names that match no account (keyed methods): a
 *   counter per name's HMAC, at most `maxNames` of them, the least recently
 *   failed forgotten first, so invented names cannot grow the disk.
 */

/** Registrations the whole gateway accepts per window (many addresses share it). */
export const globalRegistrationsPerWindow = 60;
export const globalWindowMs = 15 * 60_000;

/** Unknown-name counters kept at most (about 100 bytes each on disk). */
export const maxNames = 10_000;
const namePrefix = "name:";

export class AttemptCounter extends DurableObject<PlainBindings> {
  private state: AttemptState = emptyState;
  /** Keyed counters, least recently failed first (Map order). */
  private names = new Map<string, AttemptState>();
  /** Times of gateway-wide registrations in the current window (the "register-all" instance). */
  private global: number[] = [];

  constructor(ctx: DurableObjectState, env: PlainBindings) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.state = (await ctx.storage.get<AttemptState>("state")) ?? emptyState;
      this.global = (await ctx.storage.get<number[]>("global")) ?? [];
      const stored = await ctx.storage.list<AttemptState>({ prefix: namePrefix });
      const byAge = [...stored].sort(([, a], [, b]) => a.lastFailureAt - b.lastFailureAt);
      this.names = new Map(byAge.map(([key, state]) => [key.slice(namePrefix.length), state]));
    });
  }

  /** Seconds to wait before another attempt; 0 when one is allowed now. */
  async retryAfter(key?: string): Promise<number> {
    return retryAfterSeconds(key === undefined ? this.state : (this.names.get(key) ?? emptyState), Date.now());
  }

  /** Records a failure; returns the seconds to wait now (0 while under the limit). */
  async fail(key?: string): Promise<number> {
    const now = Date.now();
    if (key !== undefined) return this.failNamed(key, now);
    this.state = recordFailure(this.state, now);
    await this.ctx.storage.put("state", this.state);
    await this.scheduleCleanup();
    return retryAfterSeconds(this.state, now);
  }

  /** A successful sign-in: the streak is over. */
  async succeed(): Promise<void> {
    if (this.state.failures.length === 0 && this.state.lockouts === 0 && this.state.blockedUntil === 0) return;
    this.state = emptyState;
    await this.ctx.storage.delete("state");
    await this.scheduleCleanup();
  }

  /** Seconds until the gateway-wide registration window has room again; 0 when it has now. */
  async retryAfterGlobal(): Promise<number> {
    const now = Date.now();
    const recent = this.globalWindow(now);
    if (recent.length < globalRegistrationsPerWindow) return 0;
    return Math.max(1, Math.ceil((recent[0]! + globalWindowMs - now) / 1000));
  }

  /** Counts one registration in the gateway-wide window. */
  async countGlobal(): Promise<void> {
    const now = Date.now();
    this.global = [...this.globalWindow(now), now];
    await this.ctx.storage.put("global", this.global);
  }

  private globalWindow(now: number): number[] {
    return this.global.filter((at) => now - at < globalWindowMs);
  }

  /** How many unknown-name counters are kept (for tests and the bound). */
  async namesKept(): Promise<number> {
    return this.names.size;
  }

  /** Nothing left that can matter: drop the state so idle counters cost nothing. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    if (now >= expiresAt(this.state) && this.state !== emptyState) {
      this.state = emptyState;
      await this.ctx.storage.delete("state");
    }
    const gone = [...this.names].filter(([, state]) => now >= expiresAt(state)).map(([key]) => key);
    for (const key of gone) this.names.delete(key);
    if (gone.length > 0) await this.ctx.storage.delete(gone.map((key) => namePrefix + key));
    await this.scheduleCleanup();
  }

  private async failNamed(key: string, now: number): Promise<number> {
    const state = recordFailure(this.names.get(key) ?? emptyState, now);
    this.names.delete(key);
    this.names.set(key, state);
    const evicted: string[] = [];
    for (const oldest of this.names.keys()) {
      if (this.names.size - evicted.length <= maxNames) break;
      evicted.push(oldest);
    }
    for (const old of evicted) this.names.delete(old);
    await this.ctx.storage.put(namePrefix + key, state);
    if (evicted.length > 0) await this.ctx.storage.delete(evicted.map((old) => namePrefix + old));
    await this.scheduleCleanup();
    return retryAfterSeconds(state, now);
  }

  /** The alarm fires when the earliest counter can be forgotten. */
  private async scheduleCleanup(): Promise<void> {
    let next = this.state === emptyState ? Infinity : expiresAt(this.state);
    for (const state of this.names.values()) next = Math.min(next, expiresAt(state));
    if (next === Infinity) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}

/** The counter of one name (`account:<name>`, `address:<ip>`, `register:<ip>`). */
export function attemptCounter(env: { ATTEMPTS: DurableObjectNamespace<AttemptCounter> }, name: string): DurableObjectStub<AttemptCounter> {
  return env.ATTEMPTS.get(env.ATTEMPTS.idFromName(name));
}
