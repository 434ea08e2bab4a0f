/**
 * The closed vocabularies stored in D1 and accepted at the edges, declared
 * once: drizzle's column enums (src/db/schema.ts), the zod schemas of the
 * routes and settings, and the TypeScript types all read these tuples.
 */

/** What an account may do: admin (everything), user (a person), service (a pipeline; queued at half a person's weight). */
export const roles = ["admin", "user", "service"] as const;
export type Role = (typeof roles)[number];

/** pending (registered, awaiting approval), active, disabled. Only active accounts get anything. */
export const accountStatuses = ["pending", "active", "disabled"] as const;
export type AccountStatus = (typeof accountStatuses)[number];

/** What the audit keeps of prompts and responses: the text, its SHA-256 and length, or neither. */
export const captureModes = ["full", "hash", "metadata"] as const;
export type CaptureMode = (typeof captureModes)[number];
