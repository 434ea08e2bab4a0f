import { command, type Command } from "./command";
import { aliasesAnswer } from "./api-schemas";
import { UsageError } from "./errors";
import { renderTable } from "./table";

/**
 * aliases list | set <pattern> <model> | remove <pattern> — model names agents
 * insist on (claude-*, gpt-5*) mapped to models this box runs
 * (GET|PUT /admin/api/aliases). The first match wins: `set` replaces a
 * pattern in place, or appends a new one (after every existing one).
 */

const list = command({ name: "aliases list", usage: "aliases list", summary: "model aliases, in the order they are tried" }, {}, [], async (_, context) => {
  const { aliases } = await context.api().json(aliasesAnswer, "GET", "/admin/api/aliases");
  if (aliases.length === 0) context.out("no aliases");
  else context.out(renderTable(aliases.map((alias, index) => ({ ...alias, order: index + 1 })), [
    { header: "#", value: (a) => a.order, align: "right" },
    { header: "PATTERN", value: (a) => a.pattern },
    { header: "MODEL", value: (a) => a.model },
  ]));
});

const set = command(
  { name: "aliases set", usage: "aliases set <pattern> <model>   e.g. aliases set 'claude-*' qwen3-coder:30b", summary: "map a model name or glob to a model (replaces the pattern, or adds it last)" },
  {},
  ["pattern", "model"],
  async ({ positionals }, context) => {
    const [pattern, model] = positionals as [string, string];
    const api = context.api();
    const { aliases } = await api.json(aliasesAnswer, "GET", "/admin/api/aliases");
    const index = aliases.findIndex((alias) => alias.pattern === pattern);
    if (index === -1) aliases.push({ pattern, model });
    else aliases[index] = { pattern, model };
    await api.json(aliasesAnswer, "PUT", "/admin/api/aliases", { aliases });
    context.out(`${pattern} → ${model}`);
  },
);

const removeUsage = "aliases remove <pattern>";
const remove = command({ name: "aliases remove", usage: removeUsage, summary: "remove a model alias" }, {}, ["pattern"], async ({ positionals }, context) => {
  const api = context.api();
  const { aliases } = await api.json(aliasesAnswer, "GET", "/admin/api/aliases");
  const kept = aliases.filter((alias) => alias.pattern !== positionals[0]);
  if (kept.length === aliases.length) throw new UsageError(`no alias with the pattern ${positionals[0]}`, removeUsage);
  await api.json(aliasesAnswer, "PUT", "/admin/api/aliases", { aliases: kept });
  context.out(`removed ${positionals[0]}`);
});

export const aliasCommands: Command[] = [list, set, remove];
