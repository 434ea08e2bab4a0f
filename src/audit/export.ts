import { contentOf, type EventText } from "../db/audit-content";
import { exportPage, type EventFilter, type EventWithUser } from "../db/audit-events";
import { groupByBytes } from "./content";
import { csvRow, type CsvValue } from "./csv";

/**
 * The audit trail as CSV, streamed: rows are read a page at a time by seq
 * (keyset pagination, so page n costs what page 1 costs) and prompt/response
 * text a bounded number of bytes at a time, each page written out before the
 * next is read. Pull-based, so a slow download slows the reads instead of
 * filling memory; millions of rows stream in flat memory.
 */

export const csvColumns = [
  "seq", "request_id", "kind", "started_at", "finished_at", "user_id", "username", "key_id", "client_address",
  "method", "endpoint", "model", "stream", "capture_mode", "status", "outcome", "code", "count", "latency_ms",
  "ttfb_ms", "prompt_tokens", "completion_tokens", "bytes_out", "prompt_sha256", "prompt_bytes",
  "response_sha256", "response_bytes", "backend", "served_model", "failover", "cost_usd", "prompt", "response",
] as const;

const pageSize = 200;
const textBytesPerRead = 4 * 1024 * 1024;

/** Bytes of stored text a row brings (only full capture stores text). */
const textBytes = (e: EventWithUser) => (e.captureMode === "full" ? (e.promptBytes ?? 0) + (e.responseBytes ?? 0) : 0);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function csvValues(e: EventWithUser, text: { prompt: string | null; response: string | null } | undefined): CsvValue[] {
  return [
    e.seq, e.id, e.kind, iso(e.startedAt), iso(e.finishedAt), e.userId, e.username, e.keyId, e.clientAddress,
    e.method, e.endpoint, e.model, e.stream, e.captureMode, e.status, e.outcome, e.code, e.count, e.latencyMs,
    e.ttfbMs, e.promptTokens, e.completionTokens, e.bytesOut, e.promptSha256, e.promptBytes,
    e.responseSha256, e.responseBytes, e.backend, e.servedModel, e.failover, dollars(e.costMicros),
    text?.prompt ?? null, text?.response ?? null,
  ];
}

/** Micro-dollars (audit_events.cost_micros) as US dollars; empty when the backend has no prices. */
export function dollars(micros: number | null): string | null {
  return micros === null ? null : String(micros / 1_000_000);
}

export interface CsvExportOptions {
  filter: EventFilter;
  /** Runs once the last row has been handed on (not when the download is cut short). */
  onComplete?: () => Promise<void>;
  /** Turns stored text into readable text in place (per-user decryption, src/sensitive/erasure.ts). */
  open?: (events: readonly { id: string; userId: string | null }[], texts: Map<string, EventText>) => Promise<void>;
}

export function csvExport(db: D1Database, options: CsvExportOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvRow(csvColumns)));
        return;
      }
      const page = await exportPage(db, options.filter, after, pageSize);
      if (page.length === 0) {
        await options.onComplete?.();
        controller.close();
        return;
      }
      after = page[page.length - 1]!.seq;
      // In seq order, in groups whose stored text stays under the read bound.
      for (const group of groupByBytes(page, textBytes, textBytesPerRead)) {
        const texts = await contentOf(db, group.filter((e) => textBytes(e) > 0).map((e) => e.id));
        await options.open?.(group, texts);
        controller.enqueue(encoder.encode(group.map((e) => csvRow(csvValues(e, texts.get(e.id)))).join("")));
      }
    },
  });
}
