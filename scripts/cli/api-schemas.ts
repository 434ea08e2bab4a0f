import { z } from "zod";

/**
 * The parts of the admin API's answers the CLI reads (../shared/API.md
 * "Administration", src/control/views.ts). Checked with zod so a gateway of
 * another version fails with a clear message instead of printing undefined.
 */

const count = z.number().nullable();

export const limitsView = z.object({
  rpm: count,
  burst: count,
  concurrency: count,
  dailyTokens: count,
  monthlyTokens: count,
  models: z.array(z.string()).nullable(),
  /** US dollars per month at priced backends (issue 16); absent from gateways before it. */
  monthlyBudgetUsd: z.number().nullable().optional(),
});

export const userView = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable().optional(),
  role: z.string(),
  status: z.string(),
  mustChangePassword: z.boolean().optional(),
  limits: limitsView,
  customLimits: z.boolean().optional(),
  /** Data boundaries the user may cross (issue 16). */
  boundaries: z.array(z.string()).optional(),
  createdAt: z.number().optional(),
});
export type UserView = z.infer<typeof userView>;

export const usersAnswer = z.object({ users: z.array(userView) });
export const userAnswer = z.object({ user: userView });
export const createdUserAnswer = z.object({ user: userView, temporaryPassword: z.string().optional() });

export const keyView = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  active: z.boolean(),
  scope: z.object({ models: z.array(z.string()).optional() }).passthrough().nullable(),
});
export type KeyView = z.infer<typeof keyView>;

export const keysAnswer = z.object({ keys: z.array(keyView) });
export const createdKeyAnswer = z.object({ key: keyView, secret: z.string().min(1) });

export const checkpointsAnswer = z.object({
  ok: z.boolean(),
  checked: z.number(),
  firstBad: z.object({ seq: z.number(), reason: z.string() }).nullable(),
});

export const verifyAnswer = z.object({
  ok: z.boolean(),
  checked: z.number(),
  firstBad: z
    .object({ seq: z.number(), kind: z.string().nullable(), id: z.string().nullable(), reason: z.string() })
    .nullable(),
});

export const aliasesAnswer = z.object({ aliases: z.array(z.object({ pattern: z.string(), model: z.string() })) });

export const queueAnswer = z.object({
  maxInflight: z.number(),
  maxQueue: z.number(),
  inflight: z.number(),
  waiting: z.number(),
  users: z.array(z.object({ userId: z.string(), username: z.string(), inflight: z.number(), waiting: z.number(), oldestWaitMs: z.number() })),
});

export const healthAnswer = z.object({
  status: z.string(),
  upstream: z.object({ ollama: z.string(), ollamaCloud: z.string().optional() }),
  version: z.string(),
});

/** A backend of the catalog (src/backends/types.ts Backend): never a credential, only whether one is stored. */
export const backendView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  url: z.string(),
  slots: z.number(),
  priority: z.number(),
  enabled: z.boolean(),
  boundary: z.string(),
  models: z.array(z.string()).nullable(),
  prices: z.object({ inputPerMTok: z.number(), outputPerMTok: z.number() }).nullable(),
  hasCredential: z.boolean(),
  source: z.string(),
});
export type BackendView = z.infer<typeof backendView>;

export const backendsAnswer = z.object({ backends: z.array(backendView) });
export const backendAnswer = z.object({ backend: backendView });
