import { sha256Hex } from "../hex";

/**
 * The canonical encoding the hash chain covers, and the chain's link rule.
 * Pure functions: the recorder seals with them, verify re-computes with them.
 *
 * A record's content hash is SHA-256 over a JSON array of its fields in a
 * fixed order, tagged with a version (JSON.stringify of strings, integers,
 * booleans and null is deterministic). Prompt and response text are covered
 * through their SHA-256, never directly, so retention and user deletion can
 * delete the text without breaking verification.
 *
 * A link's hash is SHA-256 over ["link/v1", seq, prevHash, contentHash]: it
 * covers the record and everything sealed before it.
 */

export const genesisHash = "0".repeat(64);

/** The sealed fields of an audit event (audit_events minus seq and sealed_seq). */
export interface SealedEvent {
  id: string;
  kind: "request" | "refusal" | "refusals";
  startedAt: number;
  userId: string | null;
  keyId: string | null;
  clientAddress: string;
  method: string;
  endpoint: string;
  model: string | null;
  stream: boolean;
  captureMode: "full" | "hash" | "metadata";
  promptSha256: string | null;
  promptBytes: number | null;
  status: number | null;
  outcome: string | null;
  code: string | null;
  latencyMs: number | null;
  ttfbMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** The counts are Gatehouse's estimate (the engine sent none); absent = false. */
  tokensEstimated?: boolean;
  bytesOut: number | null;
  responseSha256: string | null;
  responseBytes: number | null;
  finishedAt: number | null;
  count: number;
  /** The name asked for when an alias mapped it to `model`; absent or null otherwise. */
  requestedModel?: string | null;
  /** The backend that answered, the model it served, the backends tried first (JSON array), the cost in micro-dollars; absent or null when unknown. */
  backend?: string | null;
  servedModel?: string | null;
  failover?: string | null;
  costMicros?: number | null;
  /** The sensitive-data categories a 422 refusal named (`email,payment_card`); absent or null otherwise. */
  blockedCategories?: string | null;
}

/** The sealed fields of an admin action (admin_actions minus seq). */
export interface SealedAdminAction {
  id: string;
  at: number;
  actorUserId: string | null;
  action: string;
  targetUserId: string | null;
  requestId: string | null;
  detail: string | null;
}

/**
 * v1 for records without an alias (every record written before aliases
 * existed still verifies); v2 appends the name asked for.
 */
export function encodeEvent(e: SealedEvent): string {
  const requested = e.requestedModel ?? null;
  const fields: unknown[] = [
    requested === null ? "event/v1" : "event/v2", e.id, e.kind, e.startedAt, e.userId, e.keyId, e.clientAddress, e.method, e.endpoint, e.model,
    e.stream, e.captureMode, e.promptSha256, e.promptBytes, e.status, e.outcome, e.code, e.latencyMs, e.ttfbMs,
    e.promptTokens, e.completionTokens, e.bytesOut, e.responseSha256, e.responseBytes, e.finishedAt, e.count,
    ...(requested === null ? [] : [requested]),
  ];
  // Appended only when set, so every record sealed before the flag existed hashes as it did.
  if (e.tokensEstimated === true) fields.push("tokens:estimated");
  // The same for where it was served (issue 16): records from before the catalog, and refusals, hash unchanged.
  const served = [e.backend ?? null, e.servedModel ?? null, e.failover ?? null, e.costMicros ?? null];
  if (served.some((value) => value !== null)) fields.push(["served/v1", ...served]);
  if (e.blockedCategories) fields.push(["blocked/v1", e.blockedCategories]);
  return JSON.stringify(fields);
}

export function encodeAdminAction(a: SealedAdminAction): string {
  return JSON.stringify(["admin/v1", a.id, a.at, a.actorUserId, a.action, a.targetUserId, a.requestId, a.detail]);
}

export function encodeLink(seq: number, prevHash: string, contentHash: string): string {
  return JSON.stringify(["link/v1", seq, prevHash, contentHash]);
}

export function eventContentHash(event: SealedEvent): Promise<string> {
  return sha256Hex(encodeEvent(event));
}

export function adminContentHash(action: SealedAdminAction): Promise<string> {
  return sha256Hex(encodeAdminAction(action));
}

export function linkHash(seq: number, prevHash: string, contentHash: string): Promise<string> {
  return sha256Hex(encodeLink(seq, prevHash, contentHash));
}

/** The fields of an audit_events row that the chain covers, in canonical form. */
export function sealedEventOf<T extends SealedEvent>(row: T): SealedEvent {
  return {
    id: row.id, kind: row.kind, startedAt: row.startedAt, userId: row.userId, keyId: row.keyId,
    clientAddress: row.clientAddress, method: row.method, endpoint: row.endpoint, model: row.model,
    stream: Boolean(row.stream), captureMode: row.captureMode, promptSha256: row.promptSha256,
    promptBytes: row.promptBytes, status: row.status, outcome: row.outcome, code: row.code,
    latencyMs: row.latencyMs, ttfbMs: row.ttfbMs, promptTokens: row.promptTokens,
    completionTokens: row.completionTokens, tokensEstimated: Boolean(row.tokensEstimated), bytesOut: row.bytesOut, responseSha256: row.responseSha256,
    responseBytes: row.responseBytes, finishedAt: row.finishedAt, count: row.count,
    requestedModel: row.requestedModel ?? null,
    backend: row.backend ?? null, servedModel: row.servedModel ?? null, failover: row.failover ?? null, costMicros: row.costMicros ?? null,
    blockedCategories: row.blockedCategories ?? null,
  };
}
