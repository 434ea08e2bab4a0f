import { mapStrings, mayHold, partialTail, restoreText, restoreWhole, type Json, type Restorable } from "./restore";

/**
 * The streamed side of restore.ts: an answer restored line by line, with
 * a placeholder cut across events put back together (see restore.ts).
 */

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
