import type { z } from "zod";
import { GatehouseError } from "../errors";

/**
 * Checks a parsed body against its zod schema. The error names the first bad
 * field (e.g. "messages.0.role: expected string") and never echoes the value,
 * which could be a secret or a huge string.
 */
export function validated<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join(".") : "body";
  throw new GatehouseError("invalid_request", { message: `${field}: ${issue?.message ?? "invalid"}` });
}
