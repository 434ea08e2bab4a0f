import { logLine, type LogFields, type LogLevel } from "../../src/observability/log-line";

/** One lifecycle event as a JSON line: errors on stderr, everything else on stdout. */
export function lifecycleLog(level: LogLevel, msg: string, fields: LogFields = {}): void {
  const line = logLine(level, msg, { event: "lifecycle", ...fields });
  if (level === "error") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}
