import { readFileSync } from "node:fs";
import { command, type CliContext, type Command } from "./command";
import { backendAnswer, backendsAnswer, type BackendView } from "./api-schemas";
import { UsageError } from "./errors";
import { renderTable, type Column } from "./table";

/**
 * backends list | add | set | remove — the backend catalog over
 * /admin/api/backends. A credential is never a flag's value (it would stay
 * in shell history and `ps`): --credential-env names a variable holding it,
 * or --credential-stdin reads it from standard input. It is never printed.
 */

const columns: Column<BackendView>[] = [
  { header: "NAME", value: (b) => b.name },
  { header: "KIND", value: (b) => b.kind },
  { header: "URL", value: (b) => b.url },
  { header: "BOUNDARY", value: (b) => b.boundary },
  { header: "SLOTS", value: (b) => b.slots, align: "right" },
  { header: "PRIO", value: (b) => b.priority, align: "right" },
  { header: "ENABLED", value: (b) => (b.enabled ? "yes" : "no") },
  { header: "CRED", value: (b) => (b.hasCredential ? "set" : "-") },
  { header: "MODELS", value: (b) => (b.models === null ? "discovered" : b.models.join(",")) },
  { header: "$/MTOK IN/OUT", value: (b) => (b.prices === null ? "-" : `${b.prices.inputPerMTok}/${b.prices.outputPerMTok}`) },
  { header: "SOURCE", value: (b) => b.source },
];

const fieldFlags = {
  kind: { type: "string" },
  url: { type: "string" },
  boundary: { type: "string" },
  slots: { type: "string" },
  priority: { type: "string" },
  models: { type: "string" },
  "price-in": { type: "string" },
  "price-out": { type: "string" },
  "credential-env": { type: "string" },
  "credential-stdin": { type: "boolean" },
  enable: { type: "boolean" },
  disable: { type: "boolean" },
} as const;

type FieldValues = { [K in keyof typeof fieldFlags]?: (typeof fieldFlags)[K]["type"] extends "boolean" ? boolean : string };

function integer(flag: string, text: string, usage: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number, got ${text}`, usage);
  return Number(text);
}

function dollars(flag: string, text: string, usage: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--${flag} must be dollars per million tokens, e.g. 2.5, got ${text}`, usage);
  return Number(text);
}

/** The body's fields from the flags given; the gateway checks each value (and names the field when one is wrong). */
export function backendFieldsFrom(values: FieldValues, env: NodeJS.ProcessEnv, usage: string, readStdin = () => readFileSync(0, "utf8")): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of ["kind", "url", "boundary"] as const) if (values[field] !== undefined) body[field] = values[field];
  if (values.slots !== undefined) body.slots = integer("slots", values.slots, usage);
  if (values.priority !== undefined) body.priority = integer("priority", values.priority, usage);
  if (values.enable && values.disable) throw new UsageError("--enable and --disable together", usage);
  if (values.enable) body.enabled = true;
  if (values.disable) body.enabled = false;
  if (values.models !== undefined) {
    const names = values.models.split(",").map((name) => name.trim()).filter(Boolean);
    body.models = values.models.trim() === "discover" ? null : names;
  }
  const prices = [values["price-in"], values["price-out"]];
  if (prices[0] === "none" && prices[1] === undefined) body.prices = null;
  else if (prices.some((price) => price !== undefined)) {
    if (prices.some((price) => price === undefined)) throw new UsageError("--price-in and --price-out go together (or --price-in none)", usage);
    body.prices = { inputPerMTok: dollars("price-in", prices[0]!, usage), outputPerMTok: dollars("price-out", prices[1]!, usage) };
  }
  const fromEnv = values["credential-env"];
  if (fromEnv !== undefined && values["credential-stdin"]) throw new UsageError("--credential-env and --credential-stdin together", usage);
  if (fromEnv !== undefined) {
    const value = env[fromEnv];
    if (!value) throw new UsageError(`--credential-env: ${fromEnv} is not set`, usage);
    body.credential = value;
  }
  if (values["credential-stdin"]) body.credential = readStdin().replace(/\r?\n$/, "");
  return body;
}

/** Every backends command answers with the catalog rows it read or wrote. */
const show = (context: CliContext, backends: BackendView[]) => context.out(renderTable(backends, columns));

const list = command({ name: "backends list", usage: "backends list", summary: "the backend catalog: engines and providers requests are routed to" }, {}, [], async (_, context) => {
  show(context, (await context.api().json(backendsAnswer, "GET", "/admin/api/backends")).backends);
});

const addUsage =
  "backends add <name> --kind ollama|openai|anthropic --url URL --boundary local|lan|cloud [--slots N] [--priority N] [--disable] [--models a,b] [--price-in $ --price-out $] [--credential-env VAR | --credential-stdin]";
const add = command(
  { name: "backends add", usage: addUsage, summary: "add a backend (its credential from a variable or stdin, never a flag)" },
  fieldFlags,
  ["name"],
  async ({ values, positionals }, context) => {
    const body = { name: positionals[0], ...backendFieldsFrom(values, context.env, addUsage) };
    show(context, [(await context.api().json(backendAnswer, "POST", "/admin/api/backends", body)).backend]);
  },
);

const setUsage =
  "backends set <name|id> [--name NEW] [--kind K] [--url URL] [--boundary B] [--slots N] [--priority N] [--enable|--disable] [--models a,b|discover] [--price-in $ --price-out $|--price-in none] [--credential-env VAR | --credential-stdin | --clear-credential]";
const set = command(
  { name: "backends set", usage: setUsage, summary: "change a backend; fields not given keep their value" },
  { ...fieldFlags, name: { type: "string" }, "clear-credential": { type: "boolean" } } as const,
  ["backend"],
  async ({ values, positionals }, context) => {
    const body = backendFieldsFrom(values, context.env, setUsage);
    if (values.name !== undefined) body.name = values.name;
    if (values["clear-credential"]) {
      if (body.credential !== undefined) throw new UsageError("--clear-credential with a new credential", setUsage);
      body.credential = null;
    }
    if (Object.keys(body).length === 0) throw new UsageError("give at least one field to change", setUsage);
    show(context, [(await context.api().json(backendAnswer, "PATCH", `/admin/api/backends/${encodeURIComponent(positionals[0]!)}`, body)).backend]);
  },
);

const remove = command({ name: "backends remove", usage: "backends remove <name|id>", summary: "remove a backend from the catalog" }, {}, ["backend"], async ({ positionals }, context) => {
  await context.api().request("DELETE", `/admin/api/backends/${encodeURIComponent(positionals[0]!)}`);
  context.out(`removed ${positionals[0]}`);
});

export const backendCommands: Command[] = [list, add, set, remove];
