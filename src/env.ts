import type { AuditLedger } from "./audit/ledger";
import type { AttemptCounter } from "./auth/attempt-counter";
import type { BodyEdits } from "./body/edits";
import type { OutgoingBody, ReceivedJson } from "./body/received";
import type { Principal } from "./auth/principal";
import type { GatehouseConfig } from "./config";
import type { Exchange } from "./inference/exchange";
import type { OpenRecord } from "./audit/open-record";
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

/** Set for every request by the global steps at the top of src/app.ts. */
export interface RequestVariables {
  requestId: string;
  config: GatehouseConfig;
  /** The client's address as workerd saw the socket (never a client-set header). */
  clientAddress: string;
}

/** Set by the steps that run before a route reads them (authenticate, json-body); absent elsewhere. */
export interface RouteVariables {
  /**
   * The authenticated caller; set by the authenticate step. Typed as present
   * because only routes behind authenticate read it as such; the steps that
   * also see anonymous requests (observe, refusals, audit) read it as optional.
   */
  principal: Principal;
  /** The request body, parsed once by the json-body step. */
  jsonBody?: unknown;
  /** The same body as the client sent it: bytes, text, value, layout (src/body/received.ts). */
  receivedBody?: ReceivedJson;
}

/**
 * Inference routes only (src/inference/route-table.ts), set by their steps in
 * the order src/app.ts declares. Every one is absent on the control plane,
 * and each is absent on an inference route until its step has run.
 */
export interface InferenceVariables {
  /** This request's exchange with the model: open → hand-over → settle (src/inference/exchange.ts). */
  exchange: Exchange;
  /** When the request arrived (ms epoch), for latency and time to first byte. */
  receivedAt: number;
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
  /** What the sensitive-data screen left for the audit record and the findings (src/sensitive/); absent when detection is off. */
  sensitive: StoredForms;
  /** This request's slots (user and GPU); set by admit, given back on the way out. */
  admission: AdmissionHandle;
  /** What admit holds against the user's quota for this request (src/governance/reservation.ts); set by admit. */
  reservation: Reservation;
  /** This request's audit record, once committed (auditStart); completed on the way out, and onError records no refusal. */
  auditRecord: OpenRecord;
}

export interface Variables extends RequestVariables, RouteVariables, Partial<InferenceVariables> {}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
