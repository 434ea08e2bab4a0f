import { DurableObject } from "cloudflare:workers";
import type { PlainBindings } from "../plain-bindings";
import { emptyState, expiresAt, recordFailure, retryAfterSeconds, type AttemptState } from "./attempt-policy";

/**
 * One per account name and one per client address: counts failed sign-ins
 * (src/auth/attempt-policy.ts decides). A Durable Object, so every isolate
 * sees the same count and the count survives a restart; serialized, so
 * parallel guesses cannot slip past between a read and a write.
 */
export class AttemptCounter extends DurableObject<PlainBindings> {
  private state: AttemptState = emptyState;

  constructor(ctx: DurableObjectState, env: PlainBindings) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.state = (await ctx.storage.get<AttemptState>("state")) ?? emptyState;
    });
  }

  /** Seconds to wait before another attempt; 0 when one is allowed now. */
  async retryAfter(): Promise<number> {
    return retryAfterSeconds(this.state, Date.now());
  }

  /** Records a failure; returns the seconds to wait now (0 while under the limit). */
  async fail(): Promise<number> {
    const now = Date.now();
    this.state = recordFailure(this.state, now);
    await this.ctx.storage.put("state", this.state);
    await this.ctx.storage.setAlarm(expiresAt(this.state));
    return retryAfterSeconds(this.state, now);
  }

  /** A successful sign-in: the streak is over. */
  async succeed(): Promise<void> {
    if (this.state.failures.length === 0 && this.state.lockouts === 0 && this.state.blockedUntil === 0) return;
    this.state = emptyState;
    await this.ctx.storage.deleteAll();
  }

  /** Nothing left that can matter: drop the state so idle counters cost nothing. */
  override async alarm(): Promise<void> {
    if (Date.now() < expiresAt(this.state)) {
      await this.ctx.storage.setAlarm(expiresAt(this.state));
      return;
    }
    this.state = emptyState;
    await this.ctx.storage.deleteAll();
  }
}

/** The counter of one name (`account:<name>`, `address:<ip>`, `register:<ip>`). */
export function attemptCounter(env: { ATTEMPTS: DurableObjectNamespace<AttemptCounter> }, name: string): DurableObjectStub<AttemptCounter> {
  return env.ATTEMPTS.get(env.ATTEMPTS.idFromName(name));
}
