import { GatehouseError } from "../errors";
import type { Outcome } from "./exchange";

/** The audit outcome of a request that ended before (or instead of) a relayed answer. */
export function outcomeOf(error: Error | undefined, status: number): Outcome {
  if (error instanceof GatehouseError) {
    switch (error.code) {
      case "rate_limited":
      case "too_many_concurrent":
      case "too_many_attempts":
        return "rate_limited";
      case "quota_exceeded":
      case "budget_exceeded":
        return "quota_exceeded";
      case "overloaded":
      case "limiter_unavailable":
      case "audit_unavailable":
        return "overloaded";
      case "upstream_timeout":
        return "upstream_timeout";
      case "upstream_unavailable":
        return "upstream_error";
      default:
        return status >= 500 ? "upstream_error" : "denied";
    }
  }
  if (error) return "upstream_error";
  // Without an error, a status of 400 or more is the upstream's own answer passed on
  // (a listing's 404, say): the same outcome a relayed answer gets (src/inference/relay.ts).
  return status < 400 ? "ok" : "upstream_error";
}
