import { foldKey } from "../body/fold";

/**
 * The text a request body carries, in every dialect, without knowing each
 * dialect's shape: every string leaf of the JSON body is text the model will
 * read (messages' content, prompt, system, instructions, input, tool calls'
 * arguments and tool results, Anthropic content blocks), except the fields
 * below, which name things rather than say them, and inline images (base64
 * or data: URLs), which are not text. New dialects are covered as they come.
 */

/** Compared as Ollama compares keys (src/body/fold.ts): `MODEL` is `model`. POST /chat's `auth` is never text to scan or rewrite. */
const notText = new Set(
  [
    "model", "role", "images", "format", "keep_alive", "type", "id", "tool_call_id", "tool_use_id", "stream",
    "encoding_format", "media_type", "detail", "cache_control", "stop", "name", "service_tier", "truncation", "auth",
  ].map(foldKey),
);
const skippedObjects = new Set(["images", "options", "auth"].map(foldKey));

type Json = unknown;

function skipped(key: string | null, value: string): boolean {
  return (key !== null && notText.has(foldKey(key))) || value.startsWith("data:");
}

/** The texts in traversal order (the same order replaceTexts consumes them). */
export function collectTexts(body: Json): string[] {
  const texts: string[] = [];
  walk(body, null, (value) => {
    texts.push(value);
    return value;
  });
  return texts;
}

/** A copy of the body with the i-th text replaced by replacements[i]; untouched subtrees are shared. */
export function replaceTexts(body: Json, replacements: readonly string[]): Json {
  let i = 0;
  return walk(body, null, () => replacements[i++] ?? "");
}

function walk(value: Json, key: string | null, visit: (text: string) => string): Json {
  if (typeof value === "string") return skipped(key, value) ? value : visit(value);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = walk(item, key, visit); // an array's items are what its key names
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (value !== null && typeof value === "object") {
    let changed = false;
    const out: Record<string, Json> = {};
    for (const [name, item] of Object.entries(value)) {
      if (skippedObjects.has(foldKey(name))) { // inline images; sampling knobs and stop words; credentials
        out[name] = item;
        continue;
      }
      const next = walk(item, name, visit);
      if (next !== item) changed = true;
      out[name] = next;
    }
    return changed ? out : value;
  }
  return value;
}
