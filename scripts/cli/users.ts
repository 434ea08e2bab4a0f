import { command, countFlag, type Command } from "./command";
import { createdUserAnswer, userAnswer, usersAnswer, type UserView } from "./api-schemas";
import { UsageError } from "./errors";
import { resolveUser } from "./resolve-user";
import { renderFields, renderTable, shortTime, type Column } from "./table";
import { accountStatuses } from "../../src/vocabulary";

/** users list | approve | disable | enable | limits | create — over /admin/api/users. */

const limitText = (value: number | null) => (value === null ? "none" : value);

const userColumns: Column<UserView>[] = [
  { header: "USERNAME", value: (u) => u.username },
  { header: "ROLE", value: (u) => u.role },
  { header: "STATUS", value: (u) => u.status },
  { header: "RPM", value: (u) => limitText(u.limits.rpm), align: "right" },
  { header: "BURST", value: (u) => limitText(u.limits.burst), align: "right" },
  { header: "CONC", value: (u) => limitText(u.limits.concurrency), align: "right" },
  { header: "DAILY TOK", value: (u) => limitText(u.limits.dailyTokens), align: "right" },
  { header: "MONTHLY TOK", value: (u) => limitText(u.limits.monthlyTokens), align: "right" },
  { header: "MODELS", value: (u) => (u.limits.models === null ? "any" : u.limits.models.join(",")) },
  { header: "CREATED", value: (u) => shortTime(u.createdAt) },
  { header: "ID", value: (u) => u.id },
];

export function userSummary(user: UserView): string {
  return renderTable([user], userColumns);
}

const listUsage = "users list [--status pending|active|disabled]";
const list = command({ name: "users list", usage: listUsage, summary: "list accounts with their role, status and limits" }, { status: { type: "string" } }, [], async ({ values }, context) => {
  const status = values.status;
  if (status !== undefined && !(accountStatuses as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be pending, active or disabled, got ${status}`, listUsage);
  }
  const query = status ? `?status=${status}` : "";
  const { users } = await context.api().json(usersAnswer, "GET", `/admin/api/users${query}`);
  context.out(users.length === 0 ? `no ${status ?? ""} users`.replace(/\s+/g, " ") : renderTable(users, userColumns));
});

/** approve, disable and enable are one PATCH of the status; what differs is the word. */
function statusCommand(verb: "approve" | "disable" | "enable", status: "active" | "disabled", summary: string): Command {
  return command({ name: `users ${verb}`, usage: `users ${verb} <username|id>`, summary }, {}, ["user"], async ({ positionals }, context) => {
    const api = context.api();
    const user = await resolveUser(api, positionals[0]!);
    if (verb === "approve" && user.status !== "pending") {
      context.err(`note: ${user.username} was not pending (status ${user.status})`);
    }
    const { user: updated } = await api.json(userAnswer, "PATCH", `/admin/api/users/${encodeURIComponent(user.id)}`, { status });
    context.out(`${updated.username}: ${user.status} -> ${updated.status}`);
  });
}

const limitFlags = {
  rpm: { type: "string" },
  burst: { type: "string" },
  concurrency: { type: "string" },
  "daily-tokens": { type: "string" },
  "monthly-tokens": { type: "string" },
  models: { type: "string" },
  "monthly-budget-usd": { type: "string" },
} as const;

/** The PATCH body's `limits` from the flags given; fields not given keep their value. */
export function limitsPatchFrom(values: Partial<Record<keyof typeof limitFlags, string>>, usage: string): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const numeric = [
    ["rpm", "rpm"],
    ["burst", "burst"],
    ["concurrency", "concurrency"],
    ["daily-tokens", "dailyTokens"],
    ["monthly-tokens", "monthlyTokens"],
  ] as const;
  for (const [flag, field] of numeric) {
    const text = values[flag];
    if (text !== undefined) patch[field] = countFlag(flag, text, usage, true);
  }
  if (values.models !== undefined) {
    const globs = values.models.split(",").map((glob) => glob.trim()).filter(Boolean);
    if (values.models.trim() === "any") patch.models = null;
    else if (globs.length === 0) throw new UsageError("--models needs a comma-separated list of model globs, or any", usage);
    else patch.models = globs;
  }
  const budget = values["monthly-budget-usd"];
  if (budget !== undefined) {
    if (budget !== "none" && !/^\d+(\.\d+)?$/.test(budget)) throw new UsageError(`--monthly-budget-usd must be US dollars (e.g. 25 or 12.50) or none, got ${budget}`, usage);
    patch.monthlyBudgetUsd = budget === "none" ? null : Number(budget);
  }
  if (Object.keys(patch).length === 0) throw new UsageError("give at least one limit to change", usage);
  return patch;
}

const limitsUsage =
  "users limits <username|id> [--rpm N|none] [--burst N|none] [--concurrency N|none] [--daily-tokens N|none] [--monthly-tokens N|none] [--models glob,glob|any] [--monthly-budget-usd $|none]";
const limits = command(
  { name: "users limits", usage: limitsUsage, summary: "change a user's rate, concurrency, token quota, model and spending limits" },
  limitFlags,
  ["user"],
  async ({ values, positionals }, context) => {
    const patch = limitsPatchFrom(values, limitsUsage);
    const api = context.api();
    const user = await resolveUser(api, positionals[0]!);
    const { user: updated } = await api.json(userAnswer, "PATCH", `/admin/api/users/${encodeURIComponent(user.id)}`, { limits: patch });
    context.out(userSummary(updated));
  },
);

const createUsage = "users create <username> --role user|service|admin";
const create = command(
  { name: "users create", usage: createUsage, summary: "create an active account (people get a temporary password, shown once)" },
  { role: { type: "string" } },
  ["username"],
  async ({ values, positionals }, context) => {
    const role = values.role;
    if (role === undefined || !["user", "service", "admin"].includes(role)) {
      throw new UsageError("--role must be user, service or admin", createUsage);
    }
    const answer = await context.api().json(createdUserAnswer, "POST", "/admin/api/users", { username: positionals[0], role });
    context.out(userSummary(answer.user));
    if (answer.temporaryPassword) {
      context.out("");
      context.out(renderFields([["temporary password", answer.temporaryPassword]]));
      context.out("(shown once; it must be changed at the first sign-in)");
    }
  },
);

const show = command({ name: "users show", usage: "users show <username|id>", summary: "one account in detail" }, {}, ["user"], async ({ positionals }, context) => {
  const user = await resolveUser(context.api(), positionals[0]!);
  context.out(
    renderFields([
      ["username", user.username],
      ["id", user.id],
      ["email", user.email],
      ["role", user.role],
      ["status", user.status],
      ["must change password", user.mustChangePassword],
      ["limits", user.customLimits ? "custom" : "defaults"],
      ["rpm / burst", `${limitText(user.limits.rpm)} / ${limitText(user.limits.burst)}`],
      ["concurrency", limitText(user.limits.concurrency)],
      ["daily / monthly tokens", `${limitText(user.limits.dailyTokens)} / ${limitText(user.limits.monthlyTokens)}`],
      ["models", user.limits.models === null ? "any" : user.limits.models.join(", ")],
      ["monthly budget (US$)", limitText(user.limits.monthlyBudgetUsd ?? null)],
      ["data boundaries", (user.boundaries ?? ["local"]).join(", ")],
      ["created", shortTime(user.createdAt)],
    ]),
  );
});

export const userCommands: Command[] = [
  list,
  show,
  statusCommand("approve", "active", "approve a pending registration"),
  statusCommand("disable", "disabled", "disable an account (its sessions end, its keys stop working)"),
  statusCommand("enable", "active", "enable a disabled account again"),
  limits,
  create,
];
