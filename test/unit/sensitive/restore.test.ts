import { describe, expect, test } from "vitest";
import { destinationBoundary } from "../../../src/sensitive/destination";
import { restoreText, restoreWhole } from "../../../src/sensitive/restore";
import { restoringBody } from "../../../src/sensitive/restore-stream";

/**
 * Placeholder restoring on the client's copy of an answer: whole bodies and
 * streams of every dialect, with the placeholder cut at every possible
 * place across events, and the bytes cut anywhere on the way.
 */

const email = "[EMAIL:1a2b3c4d]";
const key = "[GITHUB_TOKEN:99aa00ff]";
const values = new Map([
  [email, "ana@example.org"],
  [key, 'ghp_"quoted"\\token'],
]);
const answer = `Write to ${email} with ${key}; [not one] and [EMAIL:00000000] stay.`;
const restored = `Write to ana@example.org with ghp_"quoted"\\token; [not one] and [EMAIL:00000000] stay.`;

/** One dialect's stream: the events for these text pieces, and how to read the text back. */
interface Dialect {
  events(pieces: string[]): string;
  text(stream: string): string;
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const dataLines = (stream: string) =>
  stream
    .split("\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => JSON.parse(line.slice(6)) as Record<string, any>);

const dialects: Record<string, Dialect> = {
  ollama: {
    events: (pieces) => [...pieces.map((p) => ({ message: { role: "assistant", content: p }, done: false })), { message: { role: "assistant", content: "" }, done: true, eval_count: 3 }].map((e) => `${JSON.stringify(e)}\n`).join(""),
    text: (stream) =>
      stream
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { message: { content: string } }).message.content)
        .join(""),
  },
  openai: {
    events: (pieces) => [...pieces.map((p) => `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: p } }] })}\n\n`), `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`, "data: [DONE]\n\n"].join(""),
    text: (stream) => dataLines(stream).map((e) => e.choices[0].delta.content ?? "").join(""),
  },
  anthropic: {
    events: (pieces) =>
      [sse("message_start", { type: "message_start", message: { content: [] } }), sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
        ...pieces.map((p) => sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: p } })),
        sse("content_block_stop", { type: "content_block_stop", index: 0 }), sse("message_stop", { type: "message_stop" })].join(""),
    text: (stream) => dataLines(stream).filter((e) => e.type === "content_block_delta").map((e) => e.delta.text).join(""),
  },
  responses: {
    events: (pieces) =>
      [...pieces.map((p) => sse("response.output_text.delta", { type: "response.output_text.delta", delta: p })), sse("response.output_text.done", { type: "response.output_text.done", text: pieces.join("") })].join(""),
    text: (stream) => dataLines(stream).filter((e) => e.type === "response.output_text.delta").map((e) => e.delta).join(""),
  },
};

function streamOf(text: string, cut: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + cut));
      at += cut;
    },
  });
}

async function clientSees(body: string, streamed: boolean, cut = 7): Promise<string> {
  return new Response(restoringBody(streamOf(body, cut), streamed, values)).text();
}

function piecesOf(text: string, size: number, offset: number): string[] {
  const pieces = [text.slice(0, offset)];
  for (let at = offset; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces.filter((p) => p !== "");
}

describe("restoring placeholders in the client's answer", () => {
  test("in a text: only the placeholders of the request, escaped nowhere", () => {
    expect(restoreText(answer, values)).toBe(restored);
  });

  test("a whole JSON answer: every string, the JSON still valid", () => {
    const body = JSON.stringify({ message: { content: answer }, choices: [{ text: answer }], nested: [[email]] });
    const back = JSON.parse(restoreWhole(body, values));
    expect(back.message.content).toBe(restored);
    expect(back.choices[0].text).toBe(restored);
    expect(back.nested[0][0]).toBe("ana@example.org");
    expect(restoreWhole("not json [EMAIL:1a2b3c4d]", values)).toBe("not json [EMAIL:1a2b3c4d]");
  });

  for (const [name, dialect] of Object.entries(dialects)) {
    test(`${name}: a placeholder split across events at any place is restored`, async () => {
      for (const size of [1, 3, 5]) {
        for (let offset = 0; offset < 18; offset += 1) {
          const stream = dialect.events(piecesOf(answer, size, offset));
          const seen = await clientSees(stream, true, 3 + ((size * 7 + offset) % 29));
          expect(dialect.text(seen), `pieces of ${size} from ${offset}`).toBe(restored);
          expect(seen).not.toContain(email);
        }
      }
    });

    test(`${name}: a stream without placeholders passes byte for byte`, async () => {
      const stream = dialect.events(["plain ", "[text] ", "with [brackets", "] only"]);
      expect(await clientSees(stream, true)).toBe(stream);
    });
  }

  test("a placeholder cut off by the end of the answer goes out as it was", async () => {
    const stream = dialects.ollama!.events(["see [EMA", "IL:1a2b"]);
    const seen = await clientSees(stream, true);
    expect(dialects.ollama!.text(seen)).toBe("see [EMAIL:1a2b");
    expect(seen.endsWith("\n")).toBe(true);
  });

  test("the responses dialect's whole-text events are restored too", async () => {
    const seen = await clientSees(dialects.responses!.events(piecesOf(answer, 4, 0)), true);
    const done = dataLines(seen).find((e) => e.type === "response.output_text.done")!;
    expect(done.text).toBe(restored);
  });

  test("cancelling the client's copy cancels what it reads", async () => {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new TextEncoder().encode(`${JSON.stringify({ response: "x" })}\n`)),
      cancel: () => void (cancelled = true),
    });
    const reader = restoringBody(source, true, values).getReader();
    await reader.read();
    await reader.cancel();
    expect(cancelled).toBe(true);
  });
});

describe("the destination decision", () => {
  test("Ollama's cloud models today; routing's backends when it has chosen them", () => {
    expect(destinationBoundary("llama3.2")).toBe("local");
    expect(destinationBoundary("gpt-oss:120b-cloud")).toBe("cloud");
    expect(destinationBoundary("qwen3-coder:480b-CLOUD")).toBe("cloud");
    expect(destinationBoundary(null)).toBe("local");
    expect(destinationBoundary("gpt-4o", ["cloud"])).toBe("cloud");
    expect(destinationBoundary("llama3.2", ["local", "cloud"])).toBe("cloud");
    expect(destinationBoundary("llama3.2", ["lan"])).toBe("local");
    expect(destinationBoundary("llama3.2", [])).toBe("local");
  });
});
