import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";

/**
 * One per user: the serialized counter that admits or refuses that user's
 * requests (rate, concurrency, token quotas). Filled in by the governance work.
 */
export class UserLimiter extends DurableObject<Bindings> {}
