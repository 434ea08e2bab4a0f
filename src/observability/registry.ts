import { Counter, Histogram } from "./exposition";

/**
 * The gateway's own counters and histograms.
 *
 * Where they live, and why: in the worker isolate's memory, as module state.
 * Every request and every settle hook runs in the worker (the Durable
 * Objects only answer its RPC calls), so the worker sees every event that is
 * counted here without an extra round trip per request; a Metrics Durable
 * Object would add one RPC (~40 µs of CPU) to every request on the hot path.
 * Self-hosted workerd through Miniflare runs the worker in one isolate, so
 * one scrape sees every count. What this costs: the counts start at zero
 * when the process (or isolate) restarts — Prometheus' rate() and increase()
 * treat that as a counter reset, and gatehouse_start_time_seconds shows when
 * it happened — and on Cloudflare's network, where a worker runs in many
 * isolates, each scrape would see one isolate's share. State that lives in
 * the Durable Objects (queue depth, in flight) is not copied here: /metrics
 * reads it from the admission queue at scrape time.
 *
 * These are numbers for a dashboard, not shared state anything decides on:
 * no limit, quota or refusal reads them.
 */

/** Seconds; from a fast cached answer to a long generation. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const queueWaitBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Users and models come from outside: their label sets are capped (then "_other"). */
const userModelCap = { maxSeries: 2000, cappedLabels: ["user", "model"] } as const;

export const metrics = {
  startedAt: Date.now(),
  requests: new Counter({
    name: "gatehouse_requests_total",
    help: "Requests answered, by route pattern, HTTP status, model and user (username).",
    labelNames: ["route", "status", "model", "user"],
    ...userModelCap,
  }),
  duration: new Histogram({
    name: "gatehouse_request_duration_seconds",
    help: "Time from a request's arrival to the end of its response (a streamed answer's last byte).",
    labelNames: ["route"],
    buckets: latencyBuckets,
    maxSeries: 200,
  }),
  ttfb: new Histogram({
    name: "gatehouse_time_to_first_byte_seconds",
    help: "Time from a request's arrival to the first byte of its response body.",
    labelNames: ["route"],
    buckets: latencyBuckets,
    maxSeries: 200,
  }),
  tokens: new Counter({
    name: "gatehouse_tokens_total",
    help: "Tokens the model reported, by user, model and kind (prompt or completion).",
    labelNames: ["user", "model", "kind"],
    ...userModelCap,
  }),
  queueWait: new Histogram({
    name: "gatehouse_queue_wait_seconds",
    help: "Time an admitted request waited in the GPU queue for a slot.",
    buckets: queueWaitBuckets,
  }),
  refusals: new Counter({
    name: "gatehouse_refusals_total",
    help: "Requests refused before reaching the model, by reason (the error code).",
    labelNames: ["reason"],
    maxSeries: 100,
  }),
  auditWriteFailures: new Counter({
    name: "gatehouse_audit_write_failures_total",
    help: "Audit writes that failed, by stage (begin: request refused; complete: record left open; refusal).",
    labelNames: ["stage"],
    maxSeries: 10,
  }),
};

export type AuditStage = "begin" | "complete" | "refusal";

/** Counts an audit write that failed; `begin` failures also refuse the request (503). */
export function auditWriteFailed(stage: AuditStage): void {
  metrics.auditWriteFailures.inc({ stage });
}

/** Counts the write failure, if any, and passes it on unchanged. */
export async function countingAuditFailure<T>(stage: AuditStage, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    auditWriteFailed(stage);
    throw error;
  }
}

/** How long an admitted request waited for its GPU slot (the admission queue's own measure). */
export function observeQueueWait(waitedMs: number): void {
  metrics.queueWait.observe({}, Math.max(0, waitedMs) / 1000);
}
