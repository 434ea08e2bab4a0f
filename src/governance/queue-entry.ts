import { z } from "zod";
import { leaseIdSchema } from "./lease";
import { builtInBackendName } from "../backends/types";

/**
 * What a request brings to the GPU queue (src/governance/admission-queue.ts)
 * and what it gets back. Its own file so the queue's snapshot and the
 * worker's side (admission.ts) share it without importing the object.
 */

/** A backend a request may be served by, and that backend's slots (requests in flight at once). */
export const slotCandidate = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  // No upper bound: GATEHOUSE_MAX_INFLIGHT has none, and `local` must be admitted with whatever it says.
  slots: z.number().int().min(1),
});
export type SlotCandidate = z.infer<typeof slotCandidate>;

/** Candidates in preference order, each named once. */
const candidateList = z
  .array(slotCandidate)
  .min(1)
  .max(1000)
  .refine((list) => new Set(list.map((candidate) => candidate.name)).size === list.length, "a backend is named twice");

// Trust boundary: the worker is our own code, but a malformed call is refused, not queued.
export const enterInput = z.object({
  leaseId: leaseIdSchema,
  userId: z.string().min(1).max(200),
  username: z.string().max(200),
  service: z.boolean(),
  /** Absent: the built-in `local` backend with GATEHOUSE_MAX_INFLIGHT slots (today's single gate). */
  candidates: candidateList.optional(),
});
export type EnterInput = z.input<typeof enterInput>;
export type ParsedEnterInput = z.output<typeof enterInput>;

export const failoverInput = z.object({
  leaseId: leaseIdSchema,
  /** What the held backend did: "failure" feeds its breaker; null when the caller learned nothing. */
  outcome: z.enum(["success", "failure"]).nullable(),
  /** Where the request may go next, in preference order (the failed backend is never chosen again). */
  candidates: candidateList,
});
export type FailoverInput = z.input<typeof failoverInput>;

export type EnterResult =
  | { ok: true; waitedMs: number; backend: string }
  | { ok: false; reason: "full" | "timeout" | "cancelled"; retryAfter: number };

export type FailoverResult =
  | { ok: true; waitedMs: number; backend: string }
  /** "none": no other candidate (or the lease was not held); the request's slot is given back either way. */
  | { ok: false; reason: "none" | "timeout" | "cancelled"; retryAfter: number };

export const localCandidates = (maxInflight: number): SlotCandidate[] => [{ name: builtInBackendName, slots: maxInflight }];
