import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";

/**
 * A single instance: the fair admission queue in front of the GPU.
 * Filled in by the governance work.
 */
export class AdmissionQueue extends DurableObject<Bindings> {}
