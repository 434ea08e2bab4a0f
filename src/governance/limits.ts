import { z } from "zod";
import type { GatehouseConfig } from "../config";

/**
 * A user's limits, as an admin sets them (PATCH /admin/api/users/:id) and as
 * a key's scope narrows them. null means "no limit" for that dimension.
 */
const countOrNone = z.number().int().positive().max(1_000_000_000_000).nullable();

/** A model glob: Ollama model name characters plus `*` and `?`. */
export const modelGlob = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._\-/:*?]+$/, "not a valid model pattern");

/** US dollars per calendar month (UTC) of priced (cloud) backends; null = no limit (issue 16). */
const dollarsOrNone = z.number().min(0).max(1_000_000_000).nullable();

const limitFields = {
  rpm: countOrNone,
  burst: countOrNone,
  concurrency: countOrNone,
  dailyTokens: countOrNone,
  monthlyTokens: countOrNone,
  /** Allowed model globs; null = every model. */
  models: z.array(modelGlob).max(200).nullable(),
  /** Enforced by routing before a priced request is sent (429 budget_exceeded). */
  monthlyBudgetUsd: dollarsOrNone,
};

/** Stored limits. Rows written before the budget existed have none: no limit. */
export const limitsSchema = z.strictObject({ ...limitFields, monthlyBudgetUsd: dollarsOrNone.default(null) });

export type Limits = z.infer<typeof limitsSchema>;

/**
 * A change to some of a user's limits; fields left out keep their value.
 * Built from the fields, not limitsSchema.partial(): a default there would
 * put a budget the patch never named back to none.
 */
export const limitsPatchSchema = z.strictObject(limitFields).partial();
export type LimitsPatch = z.infer<typeof limitsPatchSchema>;

/** The defaults every new user gets until an admin changes them. */
export const defaultLimits: Limits = {
  rpm: 10,
  burst: 10,
  concurrency: 2,
  dailyTokens: null,
  monthlyTokens: null,
  models: null,
  monthlyBudgetUsd: null,
};

type DefaultSettings = Pick<
  GatehouseConfig,
  | "GATEHOUSE_DEFAULT_RPM"
  | "GATEHOUSE_DEFAULT_BURST"
  | "GATEHOUSE_DEFAULT_CONCURRENCY"
  | "GATEHOUSE_DEFAULT_DAILY_TOKENS"
  | "GATEHOUSE_DEFAULT_MONTHLY_TOKENS"
>;

/**
 * The defaults as configured (GATEHOUSE_DEFAULT_*), for users whose limits an
 * admin never set. Read per request, so a changed setting applies at the
 * next restart to everyone still on the defaults.
 */
export function configuredDefaultLimits(config: DefaultSettings): Limits {
  return {
    rpm: config.GATEHOUSE_DEFAULT_RPM,
    burst: config.GATEHOUSE_DEFAULT_BURST,
    concurrency: config.GATEHOUSE_DEFAULT_CONCURRENCY,
    dailyTokens: config.GATEHOUSE_DEFAULT_DAILY_TOKENS,
    monthlyTokens: config.GATEHOUSE_DEFAULT_MONTHLY_TOKENS,
    models: null,
    monthlyBudgetUsd: null,
  };
}
