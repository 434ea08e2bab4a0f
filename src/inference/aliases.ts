import { z } from "zod";
import { getSetting, putSetting } from "../db/settings";
import { modelGlob } from "../governance/limits";
import { canonicalModel, globMatches } from "./model-policy";
import { modelName } from "./schemas";

/**
 * Model aliases: names agents insist on (`claude-*`, `gpt-5*`) mapped to the
 * models this box runs. Exact names or globs (`*` any run, `?` one
 * character); the first match wins. Resolved before any policy, so the
 * caller's allowed models, the ceilings and the cloud guard all apply to the
 * model actually served, and the audit keeps both names. Stored as one JSON
 * setting (settings.key = "model_aliases"); PUT replaces the whole list.
 */

export const aliasSchema = z.strictObject({ pattern: modelGlob, model: modelName });
export const aliasesBody = z.strictObject({ aliases: z.array(aliasSchema).max(500) });
export type Alias = z.infer<typeof aliasSchema>;

const settingKey = "model_aliases";

/** The model an alias list maps `name` to, or null when no alias matches. */
export function resolveAlias(aliases: readonly Alias[], name: string): string | null {
  const canonical = canonicalModel(name);
  for (const alias of aliases) {
    // `gpt-5` and `gpt-5:latest` are one name to Ollama, on either side.
    if (globMatches(alias.pattern, name) || globMatches(canonicalModel(alias.pattern), canonical)) return alias.model;
  }
  return null;
}

/**
 * Per-isolate copy for a few seconds, so inference requests do not each read
 * D1; a PUT in this isolate replaces it at once. Only a cache: D1 is the truth.
 */
let cached: { aliases: Alias[]; at: number } | null = null;
const cacheMs = 5_000;

export async function loadAliases(db: D1Database, now = Date.now()): Promise<Alias[]> {
  if (cached && now - cached.at < cacheMs) return cached.aliases;
  const stored = await getSetting(db, settingKey);
  let aliases: Alias[] = [];
  if (stored !== null) {
    // A row that does not parse maps nothing (fails safe: the name is then checked as asked).
    const parsed = aliasesBody.safeParse({ aliases: safeJson(stored) });
    if (parsed.success) aliases = parsed.data.aliases;
  }
  cached = { aliases, at: now };
  return aliases;
}

export async function saveAliases(db: D1Database, aliases: Alias[]): Promise<void> {
  await putSetting(db, settingKey, JSON.stringify(aliases));
  cached = { aliases, at: Date.now() };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
