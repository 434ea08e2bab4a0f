import type { AdminActionRow } from "../db/admin-actions";
import type { EventWithUser } from "../db/audit-events";

/** How audit rows appear in JSON, field by field (chain bookkeeping stays out). Times are ms since the epoch. */

export function eventView(e: EventWithUser) {
  return {
    seq: e.seq,
    id: e.id,
    kind: e.kind,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
    userId: e.userId,
    username: e.username,
    keyId: e.keyId,
    clientAddress: e.clientAddress,
    method: e.method,
    endpoint: e.endpoint,
    model: e.model,
    requestedModel: e.requestedModel ?? null,
    stream: e.stream,
    captureMode: e.captureMode,
    status: e.status,
    outcome: e.outcome,
    code: e.code,
    /** The sensitive-data categories a 422 refusal named (never a value); null otherwise. */
    blockedCategories: e.blockedCategories === null || e.blockedCategories === undefined ? null : e.blockedCategories.split(","),
    count: e.count,
    latencyMs: e.latencyMs,
    ttfbMs: e.ttfbMs,
    promptTokens: e.promptTokens,
    completionTokens: e.completionTokens,
    tokensEstimated: e.tokensEstimated,
    bytesOut: e.bytesOut,
    prompt: e.promptSha256 === null ? null : { sha256: e.promptSha256, bytes: e.promptBytes },
    response: e.responseSha256 === null ? null : { sha256: e.responseSha256, bytes: e.responseBytes },
    sealed: e.sealedSeq !== null,
  };
}

export function adminActionView(a: AdminActionRow) {
  let detail: unknown = null;
  try {
    detail = a.detail === null ? null : JSON.parse(a.detail);
  } catch {
    detail = null;
  }
  return { seq: a.seq, id: a.id, at: a.at, actorUserId: a.actorUserId, action: a.action, targetUserId: a.targetUserId, requestId: a.requestId, detail };
}
