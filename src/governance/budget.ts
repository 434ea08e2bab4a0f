import type { Principal } from "../auth/principal";
import { costSince } from "../db/audit-events";
import { GatehouseError } from "../errors";

/**
 * The monthly spending limit (limits.monthlyBudgetUsd): once a user's
 * recorded cost this UTC month reaches it, cloud-bound requests are refused
 * (429 budget_exceeded) before anything is sent. Only cloud-bound requests
 * ask (one indexed sum over the month's priced rows); the rest never pay for
 * it. Costs land when a request settles, so requests already in flight are
 * not counted until they end: the limit can be passed by what was running
 * when it was reached, never by requests started after.
 */

/** The limit in US dollars, or null when none is set. */
export function monthlyBudgetOf(principal: Principal): number | null {
  return principal.limits.monthlyBudgetUsd ?? null;
}

export function monthStart(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextMonth(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

export async function assertWithinBudget(db: D1Database, principal: Principal, now = Date.now()): Promise<void> {
  const budget = monthlyBudgetOf(principal);
  if (budget === null) return;
  const spent = await costSince(db, principal.userId, monthStart(now));
  if (spent >= Math.round(budget * 1_000_000)) {
    throw new GatehouseError("budget_exceeded", { retryAfter: Math.ceil((nextMonth(now) - now) / 1000) });
  }
}
