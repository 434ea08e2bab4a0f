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
 * first, the held event goes out as it was.
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
function mayHold(raw: string): boolean {
  return /\[(?:[A-Z0-9_]|")/.test(raw);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function mapStrings(value: unknown, change: (text: string, path: string) => string, path = ""): Json {
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

interface Held {
  /** The event as it will go out: prefix (`data: ` or empty) and parsed JSON. */
  prefix: string;
  event: Json;
  path: string;
  type: unknown;
  /** How many characters at the end of the string at `path` are the start of a placeholder. */
  tail: number;
  /** Lines after it (an SSE event's blank line, the next `event:` line), in order. */
  after: string[];
}

/**
 * Restores a streamed answer line by line (the relay hands on whole lines).
 * Returns the lines to send for each line received, and what is left at the end.
 */
export class StreamRestorer {
  private held: Held | null = null;
  private readonly longest: number;

  constructor(private readonly values: Restorable) {
    this.longest = Math.max(0, ...[...values.keys()].map((p) => p.length));
  }

  /** One line in (without its newline); the lines to send now. */
  line(line: string): string[] {
    const parsed = this.parse(line);
    if (!parsed) {
      if (this.held) {
        this.held.after.push(line);
        return [];
      }
      return [line];
    }
    const out: string[] = [];
    let event = parsed.event;
    let changed = false;
    const type = typeOf(event);
    if (this.held) {
      const held = this.held;
      this.held = null;
      if (held.type === type) {
        event = mapStrings(event, (text, path) => {
          if (changed || path !== held.path) return text;
          changed = true;
          return heldTail(held) + text;
        });
      }
      if (changed) held.event = mapStrings(held.event, (text, path) => (path === held.path ? text.slice(0, text.length - held.tail) : text));
      out.push(held.prefix + JSON.stringify(held.event), ...held.after);
    }
    let hold: { path: string; tail: number } | null = null;
    event = mapStrings(event, (text, path) => {
      const restored = restoreText(text, this.values);
      if (restored !== text) changed = true;
      if (!hold) {
        const tail = partialTail(restored, this.values, this.longest);
        if (tail > 0) hold = { path, tail };
      }
      return restored;
    });
    if (hold) {
      const { path, tail } = hold;
      this.held = { prefix: parsed.prefix, event, path, type, tail, after: [] };
      return out;
    }
    out.push(changed ? parsed.prefix + JSON.stringify(event) : line);
    return out;
  }

  /** The stream ended: whatever is held goes out as it is. */
  end(): string[] {
    if (!this.held) return [];
    const held = this.held;
    this.held = null;
    return [held.prefix + JSON.stringify(held.event), ...held.after];
  }

  /** A JSON event (NDJSON line or SSE data line) worth looking into; null to pass the line on. */
  private parse(line: string): { prefix: string; event: Json } | null {
    if (!this.held && !mayHold(line)) return null;
    const data = /^data: ?/.exec(line);
    const prefix = data ? data[0] : "";
    const raw = line.slice(prefix.length);
    if (!raw.startsWith("{")) return null;
    try {
      return { prefix, event: JSON.parse(raw) as Json };
    } catch {
      return null;
    }
  }
}

function heldTail(held: Held): string {
  let tail = "";
  mapStrings(held.event, (text, path) => {
    if (path === held.path) tail = text.slice(text.length - held.tail);
    return text;
  });
  return tail;
}

function typeOf(event: Json): unknown {
  return event !== null && typeof event === "object" && !Array.isArray(event) ? (event as Record<string, Json>).type : undefined;
}

/**
 * The client's copy of a streamed or whole answer, restored. Pull-based like
 * the relay it reads; cancelling it cancels the relay (the client went away).
 */
export function restoringBody(body: ReadableStream<Uint8Array>, streamed: boolean, values: Restorable): ReadableStream<Uint8Array> {
  const source = body.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const restorer = new StreamRestorer(values);
  let pending = "";
  let whole = "";
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const chunk = await source.read();
        if (chunk.done) {
          const rest = streamed ? lastLines(restorer, pending + decoder.decode()) : restoreWhole(whole + decoder.decode(), values);
          if (rest !== "") controller.enqueue(encoder.encode(rest));
          controller.close();
          return;
        }
        const text = decoder.decode(chunk.value, { stream: true });
        if (!streamed) {
          whole += text;
          continue;
        }
        const lines = (pending + text).split("\n");
        pending = lines.pop()!;
        const out = lines.flatMap((line) => restorer.line(line));
        if (out.length > 0) {
          controller.enqueue(encoder.encode(out.map((line) => `${line}\n`).join("")));
          return;
        }
      }
    },
    async cancel(reason) {
      await source.cancel(reason).catch(() => {});
    },
  });
}

/** The end of a stream: its last line (if it had no newline) and whatever was held. */
function lastLines(restorer: StreamRestorer, pending: string): string {
  const lines = [...(pending === "" ? [] : restorer.line(pending)), ...restorer.end()];
  if (lines.length === 0) return "";
  return lines.join("\n") + (pending === "" ? "\n" : "");
}
