import { logLine, type LogLevel } from "../../src/observability/log-line";

/**
 * workerd's output under `npm start`, in Gatehouse's one log shape. workerd
 * runs with structured logging, so every line it writes is already one JSON
 * object — {"timestamp","level","message",…} — with the worker's own lines
 * (already {"time","level","msg",…}) inside `message`. Here the worker's line
 * is passed on as it is, and anything else workerd says becomes
 * {"time","level","msg","event":"workerd"}. A line that is not JSON at all
 * (workerd failing before it read its config) is wrapped the same way, so a
 * newline in a message can never start a line of its own.
 *
 * Under systemd workerd writes to the journal itself: lines arrive in its
 * own envelope, one JSON object each (README, "Logs").
 */

const levels: Record<string, LogLevel> = { debug: "debug", log: "info", info: "info", warn: "warn", warning: "warn", error: "error", fatal: "error" };

function objectOf(text: string): Record<string, unknown> | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** One of our own lines (the worker's request log), recognised by its first three fields. */
function isGatehouseLine(line: Record<string, unknown> | null): line is Record<string, unknown> {
  return line !== null && typeof line.time === "string" && typeof line.level === "string" && typeof line.msg === "string";
}

export interface NormalizedLine {
  line: string;
  level: LogLevel;
}

export function normalizeWorkerdLine(raw: string, stream: "stdout" | "stderr"): NormalizedLine | null {
  if (raw.trim() === "") return null;
  const envelope = objectOf(raw);
  if (envelope === null) return { line: logLine(stream === "stderr" ? "error" : "info", raw, { event: "workerd" }), level: stream === "stderr" ? "error" : "info" };
  const message = typeof envelope.message === "string" ? envelope.message : raw;
  const inner = objectOf(message);
  if (isGatehouseLine(inner)) return { line: JSON.stringify(inner), level: levels[String(inner.level)] ?? "info" };
  const level = levels[String(envelope.level)] ?? (stream === "stderr" ? "error" : "info");
  const millis = Number(envelope.timestamp);
  const time = Number.isFinite(millis) && millis > 0 ? new Date(millis) : new Date();
  const source = typeof envelope.source === "string" ? envelope.source : undefined;
  return { line: logLine(level, message, { event: "workerd", source }, time), level };
}
