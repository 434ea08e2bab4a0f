import { command, type Command } from "./command";
import { userAnswer } from "./api-schemas";
import { UsageError } from "./errors";
import { resolveUser } from "./resolve-user";

/**
 * users boundaries <user> local,lan,cloud|default — the data boundaries a
 * user may cross (PATCH /admin/api/users/:id {"boundaries"}). `local` is
 * always included; `default` goes back to following allowCloudModels.
 */
const known = ["local", "lan", "cloud"];

const usage = "users boundaries <username|id> <local,lan,cloud|default>";

export const boundariesCommand: Command = command(
  { name: "users boundaries", usage, summary: "grant the data boundaries (lan, cloud) a user's requests may cross" },
  {},
  ["user", "boundaries"],
  async ({ positionals }, context) => {
    const text = positionals[1]!.trim();
    const list = text === "default" ? null : [...new Set(["local", ...text.split(",").map((name) => name.trim()).filter(Boolean)])];
    const unknown = list?.find((name) => !known.includes(name));
    if (unknown !== undefined) throw new UsageError(`unknown boundary ${unknown}: use local, lan and cloud`, usage);
    const api = context.api();
    const user = await resolveUser(api, positionals[0]!);
    const { user: updated } = await api.json(userAnswer, "PATCH", `/admin/api/users/${encodeURIComponent(user.id)}`, { boundaries: list });
    context.out(`${updated.username}: ${(updated.boundaries ?? ["local"]).join(", ")}`);
  },
);
