import type { BackendView } from "./backend-gates";
import type { EnterResult, ParsedEnterInput, SlotCandidate } from "./queue-entry";

/** A slot on one backend held by one request. */
export interface InflightLease {
  leaseId: string;
  userId: string;
  username: string;
  /** The backend whose slot this is. */
  backend: string;
  /** This request is a half-open breaker's one trial. */
  trial?: boolean;
  grantedAt: number;
  expiresAt: number;
}

/** A request waiting for a slot: a pending call to AdmissionQueue.enter (or failover). */
export interface Waiter extends Omit<ParsedEnterInput, "candidates"> {
  candidates: SlotCandidate[];
  /** A failover: served before the fair queue, never on this backend again. */
  failedOver?: string;
  enqueuedAt: number;
  resolve(result: EnterResult): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface UserQueueState {
  userId: string;
  username: string;
  inflight: number;
  waiting: number;
  /** How long this user's oldest waiting request has waited, in ms (0 if none). */
  oldestWaitMs: number;
}

export interface QueueSnapshot {
  maxInflight: number;
  maxQueue: number;
  inflight: number;
  waiting: number;
  users: UserQueueState[];
  /** Every backend's gate: slots, in flight, waiting, breaker and last probe. */
  backends: BackendView[];
}

/** GET /admin/api/queue's answer: totals, then one row per user with anything held or waiting. */
export function queueSnapshot(
  inflight: Iterable<InflightLease>,
  waiting: Map<string, Waiter[]>,
  now: number,
  limits: { maxInflight: number; maxQueue: number },
  backends: BackendView[] = [],
): QueueSnapshot {
  const users = new Map<string, UserQueueState>();
  const row = (userId: string, username: string) => {
    let state = users.get(userId);
    if (!state) users.set(userId, (state = { userId, username, inflight: 0, waiting: 0, oldestWaitMs: 0 }));
    return state;
  };
  let inflightCount = 0;
  let waitingCount = 0;
  for (const lease of inflight) {
    row(lease.userId, lease.username).inflight += 1;
    inflightCount += 1;
  }
  for (const [userId, waiters] of waiting) {
    for (const waiter of waiters) {
      const state = row(userId, waiter.username);
      state.waiting += 1;
      state.oldestWaitMs = Math.max(state.oldestWaitMs, now - waiter.enqueuedAt);
      waitingCount += 1;
    }
  }
  const rows = [...users.values()].sort((a, b) => b.inflight + b.waiting - (a.inflight + a.waiting) || a.username.localeCompare(b.username));
  return { ...limits, inflight: inflightCount, waiting: waitingCount, users: rows, backends };
}
