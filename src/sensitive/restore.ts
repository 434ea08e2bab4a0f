/**
 * Putting redacted values back into the answer the client receives, when
 * the model echoes a placeholder (`[EMAIL:1a2b3c4d]` → the address the
 * client sent). Only the client's copy: the audit keeps the answer as the
 * model wrote it, placeholders and all. The values live in this request's
 * memory only (the map built by screen.ts).
 *
 * Works on every dialect without knowing them: an answer is JSON (one body,
 * NDJSON lines or SSE `data:` lines), and every string in it is restored. A
 * placeholder a stream splits across events (`"[EMA"` then `"IL:1a2b…]"`)
 * is put together: an event whose string ends with the start of a
 * placeholder is held back until the next event with a string at the same
 * place (same JSON path, same event `type`), which then starts with that
 * start; at the end of the stream, or when another kind of event comes
 * first, the held event goes out as it was (restore-stream.ts).
 */

export type Restorable = ReadonlyMap<string, string>;

/** Every placeholder of the map in `text` replaced by its value. */
export function restoreText(text: string, values: Restorable): string {
  if (!text.includes("[")) return text;
  return text.replace(/\[[A-Z0-9_]+:[0-9a-f]{8}\]/g, (placeholder) => values.get(placeholder) ?? placeholder);
}

/** A non-streamed answer: every string of the JSON body restored; anything else as it is. */
export function restoreWhole(body: string, values: Restorable): string {
  if (!mayHold(body)) return body;
  try {
    return JSON.stringify(mapStrings(JSON.parse(body) as unknown, (text) => restoreText(text, values)));
  } catch {
    return body;
  }
}

/** A placeholder, or the start of one, inside a JSON string: `[` then a tag letter or the string's end. */
export function mayHold(raw: string): boolean {
  return /\[(?:[A-Z0-9_]|")/.test(raw);
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function mapStrings(value: unknown, change: (text: string, path: string) => string, path = ""): Json {
  if (typeof value === "string") return change(value, path);
  if (Array.isArray(value)) return value.map((item, i) => mapStrings(item, change, `${path}/${i}`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, change, `${path}/${key}`)]));
  }
  return value as Json;
}

/** How long the end of `text` that could begin one of the placeholders is (0: none). */
export function partialTail(text: string, values: Restorable, longest: number): number {
  for (let at = text.lastIndexOf("["); at !== -1 && text.length - at < longest; at = at === 0 ? -1 : text.lastIndexOf("[", at - 1)) {
    const tail = text.slice(at);
    for (const placeholder of values.keys()) if (placeholder.startsWith(tail)) return tail.length;
  }
  return 0;
}
