import { command, type Command } from "./command";
import { createdKeyAnswer, keysAnswer, type KeyView } from "./api-schemas";
import { CliError, UsageError } from "./errors";
import { resolveUser } from "./resolve-user";
import { renderFields, renderTable, shortTime, type Column } from "./table";

/**
 * keys list | create | revoke — an admin managing anyone's API keys over
 * /admin/api/users/:id/keys (GET, POST, DELETE …/keys/:keyId).
 */

const keyColumns: Column<KeyView>[] = [
  { header: "ID", value: (k) => k.id },
  { header: "NAME", value: (k) => k.name },
  { header: "PREFIX", value: (k) => k.prefix },
  { header: "STATE", value: (k) => (k.revokedAt !== null ? "revoked" : k.active ? "active" : "expired") },
  { header: "MODELS", value: (k) => k.scope?.models?.join(",") ?? "(owner's)" },
  { header: "CREATED", value: (k) => shortTime(k.createdAt) },
  { header: "LAST USED", value: (k) => shortTime(k.lastUsedAt) },
  { header: "EXPIRES", value: (k) => shortTime(k.expiresAt) },
];

const list = command({ name: "keys list", usage: "keys list <username|id>", summary: "a user's API keys (never their secrets: those are not stored)" }, {}, ["user"], async ({ positionals }, context) => {
  const api = context.api();
  const user = await resolveUser(api, positionals[0]!);
  const { keys } = await api.json(keysAnswer, "GET", `/admin/api/users/${encodeURIComponent(user.id)}/keys`);
  context.out(keys.length === 0 ? `${user.username} has no keys` : renderTable(keys, keyColumns));
});

/** --expires: a date (2027-01-31, taken as midnight UTC) or a full ISO time; must be in the future. */
export function expiryFrom(text: string, usage: string, now = Date.now()): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) throw new UsageError(`--expires must be a date like 2027-01-31 or an ISO 8601 time, got ${text}`, usage);
  if (ms <= now) throw new UsageError(`--expires must be in the future, got ${text}`, usage);
  return ms;
}

const createUsage = "keys create <username|id> --name NAME [--models glob,glob] [--default-model MODEL] [--expires DATE]";
const create = command(
  { name: "keys create", usage: createUsage, summary: "create an API key for a user; the secret is printed once" },
  { name: { type: "string" }, models: { type: "string" }, "default-model": { type: "string" }, expires: { type: "string" } } as const,
  ["user"],
  async ({ values, positionals }, context) => {
    if (!values.name?.trim()) throw new UsageError("--name is required", createUsage);
    const body: Record<string, unknown> = { name: values.name.trim() };
    if (values.models !== undefined) {
      const globs = values.models.split(",").map((glob) => glob.trim()).filter(Boolean);
      if (globs.length === 0) throw new UsageError("--models needs a comma-separated list of model globs", createUsage);
      body.models = globs;
    }
    if (values["default-model"] !== undefined) body.defaultModel = values["default-model"].trim();
    if (values.expires !== undefined) body.expiresAt = expiryFrom(values.expires, createUsage);
    const api = context.api();
    const user = await resolveUser(api, positionals[0]!);
    const { key, secret } = await api.json(createdKeyAnswer, "POST", `/admin/api/users/${encodeURIComponent(user.id)}/keys`, body);
    context.out(
      renderFields([
        ["user", user.username],
        ["key id", key.id],
        ["name", key.name],
        ["models", key.scope?.models?.join(", ") ?? "(the owner's)"],
        ["default model", typeof key.scope?.defaultModel === "string" ? key.scope.defaultModel : "(none)"],
        ["expires", shortTime(key.expiresAt)],
        ["secret", secret],
      ]),
    );
    context.err("The secret is shown this once and is not stored; keep it now.");
  },
);

const revoke = command(
  { name: "keys revoke", usage: "keys revoke <username|id> <keyId|gh_prefix>", summary: "revoke one of a user's keys (it stops working at the next request)" },
  {},
  ["user", "keyId"],
  async ({ positionals }, context) => {
    const api = context.api();
    const user = await resolveUser(api, positionals[0]!);
    const ref = positionals[1]!;
    const base = `/admin/api/users/${encodeURIComponent(user.id)}/keys`;
    const { keys } = await api.json(keysAnswer, "GET", base);
    const key = keys.find((k) => k.id === ref || k.prefix === ref);
    if (!key) throw new CliError(`${user.username} has no key "${ref}" (404); see: keys list ${user.username}`);
    if (key.revokedAt !== null) {
      context.out(`key ${key.id} (${key.name}) of ${user.username} was already revoked at ${shortTime(key.revokedAt)}`);
      return;
    }
    await api.request("DELETE", `${base}/${encodeURIComponent(key.id)}`);
    context.out(`revoked key ${key.id} (${key.name}) of ${user.username}`);
  },
);

export const keyCommands: Command[] = [list, create, revoke];
