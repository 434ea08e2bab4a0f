import type { AuditLedger } from "./audit/ledger";
import type { Routed, Served } from "./backends/routing";
import type { AttemptCounter } from "./auth/attempt-counter";
import type { BodyEdits } from "./body/edits";
import type { OutgoingBody, ReceivedJson } from "./body/received";
import type { Principal } from "./auth/principal";
import type { GatehouseConfig } from "./config";
import type { Settlement } from "./inference/exchange";
import type { AdmissionHandle } from "./governance/admission";
import type { AdmissionQueue } from "./governance/admission-queue";
import type { Reservation } from "./governance/reservation";
import type { UserLimiter } from "./governance/user-limiter";
import type { PlainBindings } from "./plain-bindings";
import type { StoredForms } from "./sensitive/stored-forms";

/**
 * The bindings workerd gives the worker (declared in wrangler.toml and passed
 * by scripts/serve.ts) and the variables each request carries through the
 * pipeline. One type for the whole Hono context. Each Durable Object has its
 * client beside its class (userLimiter(env, id), admissionQueue(env),
 * auditLedger(env), attemptCounter(env, name)); call sites use those.
 */
export interface Bindings extends PlainBindings {
  USER_LIMITER: DurableObjectNamespace<UserLimiter>;
  ADMISSION: DurableObjectNamespace<AdmissionQueue>;
  ATTEMPTS: DurableObjectNamespace<AttemptCounter>;
  /** The audit ledger (src/audit/ledger.ts): the one writer of audit records and the hash chain. */
  AUDIT: DurableObjectNamespace<AuditLedger>;
}

export interface Variables {
  requestId: string;
  config: GatehouseConfig;
  /** The client's address as workerd saw the socket (never a client-set header). */
  clientAddress: string;
  /** The request body, parsed once by the json-body middleware. */
  jsonBody: unknown;
  /** The same body as the client sent it: bytes, text, value, layout (src/body/received.ts). */
  receivedBody: ReceivedJson;
  /** The authenticated caller; set by the authenticate middleware. */
  principal: Principal;
  /** Hooks run once when a forwarded response ends (release slots, charge tokens, complete audit). */
  settlement: Settlement;
  /** This request's slots (user and GPU); set by admit. release() runs from settlement. */
  admission: AdmissionHandle;
  /** The body to forward, if the route takes one: the client's bytes, or its text with policy's edits. */
  upstreamBody: OutgoingBody | undefined;
  /** Policy's edits to the received body so far; a later step adds one with reviseForwardedBody (src/inference/inspect.ts). */
  bodyEdits: BodyEdits;
  /** The most tokens the engine will generate for this request (the client's limit or the ceiling); null when it generates none. */
  outputLimit: number | null;
  /** The model the request runs (after aliases), if any. */
  model: string | null;
  /** The name the client asked for when an alias mapped it to `model`; null otherwise. */
  requestedModel: string | null;
  /** Whether the answer will be streamed. */
  streamed: boolean;
  /** Drop OpenAI's usage-only event: Gatehouse asked for it (for quotas), the client did not. */
  hideUsageChunk: boolean;
  /** What admit holds against the user's quota for this request (src/governance/reservation.ts); set by admit. */
  reservation?: Reservation;
  /** Which backends may serve it and the model name they get; set by the routing step (src/backends/route-step.ts). */
  routing: Routed;
  /** The backend the request was sent to (and those tried first); set when it is sent. */
  served?: Served;
  /** When the request arrived (ms epoch), for latency and time to first byte. */
  receivedAt: number;
  /** What the sensitive-data screen left for the audit record: redacted prompt and answer (src/sensitive/). */
  sensitive: StoredForms;
  /** Set once this request's audit record is committed (its settlement completes it; onError records no refusal). */
  auditStarted: boolean;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
