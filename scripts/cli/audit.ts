import { createWriteStream } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "./command";
import { parseCommand } from "./command";
import { checkpointsAnswer, verifyAnswer } from "./api-schemas";
import { CliError, UsageError, exitCheckFailed, exitOk } from "./errors";
import { resolveUser } from "./resolve-user";

/** audit verify | export — the hash chain check and the CSV export. */

const verify: Command = {
  name: "audit verify",
  usage: "audit verify [--checkpoints FILE]",
  summary: "walk the audit hash chain (and prove it against logged checkpoint lines); exit 0 when intact, 1 when broken",
  async run(args, context) {
    const { values } = parseCommand(verify, args, { checkpoints: { type: "string" } } as const, []);
    const report = await context.api().json(verifyAnswer, "GET", "/admin/api/audit/verify");
    if (report.ok && values.checkpoints !== undefined) {
      const checkpoints = await checkpointsIn(values.checkpoints);
      if (checkpoints.length === 0) throw new CliError(`no audit_checkpoint lines in ${values.checkpoints}`);
      const proof = await context.api().json(checkpointsAnswer, "POST", "/admin/api/audit/checkpoints", { checkpoints });
      if (!proof.ok) {
        context.out(`audit chain BROKEN: checkpoint seq ${proof.firstBad?.seq} (${proof.firstBad?.reason}) is not in the database; ${proof.checked} checkpoints matched`);
        return exitCheckFailed;
      }
      context.out(`audit chain intact: ${report.checked} records checked, ${proof.checked} checkpoints matched`);
      return exitOk;
    }
    if (report.ok) {
      context.out(`audit chain intact: ${report.checked} records checked`);
      return exitOk;
    }
    const bad = report.firstBad;
    context.out(`audit chain BROKEN after ${report.checked} good records: seq ${bad?.seq} ${bad?.kind ?? ""} ${bad?.id ?? ""} (${bad?.reason})`.replace(/\s+/g, " "));
    context.out(JSON.stringify(report));
    return exitCheckFailed;
  },
};

/** The checkpoint lines (JSON, event "audit_checkpoint") in a file of log lines, e.g. `journalctl -u gatehouse -o cat`. */
async function checkpointsIn(file: string): Promise<{ seq: number; hash: string }[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Every distinct (seq, hash) pair: two lines naming one seq with different hashes mean a rewrite, and both are proved.
  const found = new Map<string, { seq: number; hash: string }>();
  for (const line of text.split("\n")) {
    const start = line.indexOf("{");
    if (start < 0 || !line.includes("audit_checkpoint")) continue;
    try {
      const entry = JSON.parse(line.slice(start)) as { event?: unknown; seq?: unknown; hash?: unknown };
      if (entry.event === "audit_checkpoint" && typeof entry.seq === "number" && typeof entry.hash === "string") found.set(`${entry.seq} ${entry.hash}`, { seq: entry.seq, hash: entry.hash });
    } catch {
      // Not a JSON line: other log output.
    }
  }
  return [...found.values()];
}

/** --from/--to: a date (taken as midnight UTC), an ISO time, or ms since the epoch; sent as ms. */
export function instantFlag(name: string, text: string, usage: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} must be a date like 2026-11-30, an ISO 8601 time or ms since the epoch, got ${text}`, usage);
  return ms;
}

const exportCsv: Command = {
  name: "audit export",
  usage: "audit export --reason TEXT [--user U | --from DATE --to DATE] [--out FILE]",
  summary: "stream the audit trail as CSV to FILE or stdout (the whole trail, a time range, or one user's); the reason is recorded in the audit chain",
  async run(args, context) {
    const options = { user: { type: "string" }, from: { type: "string" }, to: { type: "string" }, out: { type: "string" }, reason: { type: "string" } } as const;
    const { values } = parseCommand(exportCsv, args, options, []);
    // The export holds captured prompts and answers: the gateway records who read them and why, and refuses a read without a reason.
    const reason = values.reason?.trim() ?? "";
    if (reason === "") throw new UsageError("--reason is required: why you read the captured text (recorded in the audit chain; the users see it)", exportCsv.usage);
    if (values.user !== undefined && (values.from !== undefined || values.to !== undefined)) {
      // GET /admin/api/users/:id/audit.csv has no range: it is the export that covers a user for deletion.
      throw new UsageError("--user exports that user's whole trail; it cannot be combined with --from/--to", exportCsv.usage);
    }
    const api = context.api();
    let path: string;
    if (values.user !== undefined) {
      const user = await resolveUser(api, values.user);
      path = `/admin/api/users/${encodeURIComponent(user.id)}/audit.csv?${new URLSearchParams({ reason })}`;
    } else {
      const query = new URLSearchParams();
      if (values.from !== undefined) query.set("from", String(instantFlag("from", values.from, exportCsv.usage)));
      if (values.to !== undefined) query.set("to", String(instantFlag("to", values.to, exportCsv.usage)));
      query.set("reason", reason);
      path = `/admin/api/audit.csv?${query}`;
    }
    const response = await api.request("GET", path, undefined, 30 * 60_000);
    if (!response.body) throw new CliError("the gateway sent an empty export");
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
    if (values.out === undefined) {
      await pipeline(body, stdoutUnclosed());
      return exitOk;
    }
    // Written beside the target and renamed at the end, so a cut-off export never looks complete.
    const partial = `${values.out}.partial`;
    try {
      await pipeline(body, createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, values.out);
    } catch (error) {
      await rm(partial, { force: true });
      throw new CliError(`export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    context.err(`wrote ${values.out}`);
    return exitOk;
  },
};

/** process.stdout as a pipeline target that pipeline() must not end (it cannot be closed). */
function stdoutUnclosed(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (process.stdout.write(chunk)) callback();
      else process.stdout.once("drain", () => callback());
    },
  });
}

export const auditCommands: Command[] = [verify, exportCsv];
