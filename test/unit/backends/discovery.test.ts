import { describe, expect, test } from "vitest";
import { localBackend, type RuntimeBackend } from "../../../src/backends/catalog";
import { modelsOf, servesModel } from "../../../src/backends/discovery";
import type { Outbound } from "../../../src/backends/outbound";

/** Model discovery against a fake engine, on a fake clock: how often each backend is asked. */

function engine(answer: () => Response) {
  const asked: string[] = [];
  const fetcher = { fetch: async (url: string, init: RequestInit) => (asked.push(`${url} ${new Headers(init.headers).get("x-gatehouse-lookup")}`), answer()) } as unknown as Fetcher;
  const out: Outbound = { ollama: fetcher, engines: fetcher, ollamaAddress: "127.0.0.1:1", sessionSecret: "s".repeat(40), firstByteTimeoutMs: 1000, lookupTimeoutMs: 1000 };
  return { out, asked };
}

let version = 0;
function box(fields: Partial<RuntimeBackend> = {}): RuntimeBackend {
  // A new version each time: discovery keeps what it learned per backend version.
  return { ...localBackend({ GATEHOUSE_OLLAMA: "127.0.0.1:1", GATEHOUSE_MAX_INFLIGHT: 1 }), id: "box", name: "box", builtIn: false, url: "http://box:11434", updatedAt: ++version, ...fields };
}

const tags = () => Response.json({ models: [{ name: "llama3.2:latest", model: "llama3.2:latest" }, { name: "qwen3:8b" }] });

describe("model discovery", () => {
  test("Ollama's /api/tags, asked once and kept for 60 s; names compare as Ollama's (`:latest`, any case)", async () => {
    const { out, asked } = engine(tags);
    const backend = box();
    expect(await servesModel(out, backend, "llama3.2", 0)).toBe(true);
    expect(await servesModel(out, backend, "QWEN3:8b", 1000)).toBe(true);
    expect(await modelsOf(out, backend, 2000)).toEqual(["llama3.2:latest", "qwen3:8b"]);
    expect(asked).toEqual(["http://box:11434/api/tags discovery"]);
    await servesModel(out, backend, "llama3.2", 61_000);
    expect(asked).toHaveLength(2);
  });

  test("a miss asks again, at most every 5 s; an OpenAI-compatible server is asked {url}/models", async () => {
    const { out, asked } = engine(() => Response.json({ data: [{ id: "gpt-4o" }] }));
    const backend = box({ kind: "openai", url: "https://api.example.com/v1" });
    expect(await servesModel(out, backend, "gpt-4o", 0)).toBe(true);
    expect(await servesModel(out, backend, "gpt-5", 1000)).toBe(false);
    expect(await servesModel(out, backend, "gpt-5", 2000)).toBe(false);
    expect(asked).toHaveLength(1);
    await servesModel(out, backend, "gpt-5", 6000);
    expect(asked).toEqual(["https://api.example.com/v1/models discovery", "https://api.example.com/v1/models discovery"]);
  });

  test("a backend that does not answer serves nothing, and is not asked at every miss until its list is stale", async () => {
    const { out, asked } = engine(() => new Response("down", { status: 503 }));
    const backend = box();
    expect(await servesModel(out, backend, "llama3.2", 0)).toBe(false);
    expect(await servesModel(out, backend, "llama3.2", 10_000)).toBe(false);
    expect(await servesModel(out, backend, "llama3.2", 30_000)).toBe(false);
    expect(asked).toHaveLength(1);
    await servesModel(out, backend, "llama3.2", 60_000);
    expect(asked).toHaveLength(2);
  });

  test("a fixed list is the list: the backend is never asked", async () => {
    const { out, asked } = engine(tags);
    const backend = box({ models: ["only-this:latest"] });
    expect(await servesModel(out, backend, "only-this", 0)).toBe(true);
    expect(await servesModel(out, backend, "llama3.2", 0)).toBe(false);
    expect(await modelsOf(out, backend, 0)).toEqual(["only-this:latest"]);
    expect(asked).toEqual([]);
  });
});
