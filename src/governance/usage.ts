import type { Limits } from "./limits";
import type { UsageReport } from "./user-policy";
import { userLimiter } from "./user-limiter";

/**
 * A user's current usage (rate bucket, slots held, tokens this UTC day and
 * month) for display: GET /account/api/me and the admin console. Display
 * only, so a limiter that cannot answer gives null rather than an error;
 * admission itself always fails closed (src/governance/admit.ts).
 */
export async function userUsage(env: Parameters<typeof userLimiter>[0], userId: string, limits: Limits): Promise<UsageReport | null> {
  try {
    return await userLimiter(env, userId).report(limits);
  } catch {
    return null;
  }
}
