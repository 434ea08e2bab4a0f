import { z } from "zod";

/**
 * What a request brings to the GPU queue (src/governance/admission-queue.ts)
 * and what it gets back. Its own file so the queue's snapshot and the
 * worker's side (admission.ts) share it without importing the object.
 */

// Trust boundary: the worker is our own code, but a malformed call is refused, not queued.
export const enterInput = z.object({
  leaseId: z.string().min(1).max(100),
  userId: z.string().min(1).max(200),
  username: z.string().max(200),
  service: z.boolean(),
});
export type EnterInput = z.infer<typeof enterInput>;

export type EnterResult =
  | { ok: true; waitedMs: number }
  | { ok: false; reason: "full" | "timeout" | "cancelled"; retryAfter: number };
