import type { Context } from "hono";
import type { AppEnv } from "../env";

/**
 * The client address as stored (audit records, refusals, log lines):
 * "omitted" when GATEHOUSE_OMIT_CLIENT_ADDRESS=1. The real address still
 * serves, in memory, what needs it (key source networks, sign-in throttling).
 */
export function storedClientAddress(c: Context<AppEnv>): string {
  if (c.var.config?.GATEHOUSE_OMIT_CLIENT_ADDRESS === "1") return "omitted";
  return c.var.clientAddress ?? "unknown";
}
