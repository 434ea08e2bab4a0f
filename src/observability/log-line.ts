/**
 * One structured log line: a JSON object on a single line (JSON.stringify
 * escapes any newline inside a value), with `time`, `level` and `msg` first,
 * so journald keeps one entry per event and `journalctl -o cat | jq` reads
 * them. Shared by the worker (request lines) and scripts/serve.ts
 * (lifecycle lines). Callers pass only fields they chose — never a header,
 * a body, a key, a password or a token.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export function logLine(level: LogLevel, msg: string, fields: LogFields = {}, now: Date = new Date()): string {
  return JSON.stringify({ time: now.toISOString(), level, msg, ...fields });
}
