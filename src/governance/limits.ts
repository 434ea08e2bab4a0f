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

export const limitsSchema = z.strictObject({
  rpm: countOrNone,
  burst: countOrNone,
  concurrency: countOrNone,
  dailyTokens: countOrNone,
  monthlyTokens: countOrNone,
  /** Allowed model globs; null = every model. */
  models: z.array(modelGlob).max(200).nullable(),
});

export type Limits = z.infer<typeof limitsSchema>;

/** A change to some of a user's limits; fields left out keep their value. */
export const limitsPatchSchema = limitsSchema.partial();
export type LimitsPatch = z.infer<typeof limitsPatchSchema>;

/** The defaults every new user gets until an admin changes them. */
export const defaultLimits: Limits = {
  rpm: 10,
  burst: 10,
  concurrency: 2,
  dailyTokens: null,
  monthlyTokens: null,
  models: null,
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
  };
}
