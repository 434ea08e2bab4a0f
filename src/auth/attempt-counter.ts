import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";

/**
 * One per account name and one per client address: counts failed sign-ins.
 * Filled in by the identity work.
 */
export class AttemptCounter extends DurableObject<Bindings> {}
