import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { configureSimulator, resetSimulator } from "../helpers/simulator";
import { keyFor } from "./helpers";

/**
 * Issue 13.5: listings fail closed. They are built from the fields Ollama
 * documents, so an engine that sends more — Ollama's `models` array on
 * /v1/models, an OpenAI `data` array on /api/tags, unknown fields that carry
 * names — leaks nothing a restricted key may not see.
 */

let qwenOnly = "";
beforeAll(async () => {
  qwenOnly = await keyFor(["qwen*"]);
});
beforeEach(() => resetSimulator());

const list = async (path: string) => {
  const response = await gateway(path, { headers: { Authorization: `Bearer ${qwenOnly}` } });
  expect(response.status).toBe(200);
  return response.json<Record<string, unknown>>();
};

const details = { format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "0.5B", quantization_level: "Q4_K_M", note: "llama3.2:latest" };
const engine = {
  object: "list",
  models: [
    { name: "qwen2.5:0.5b", model: "qwen2.5:0.5b", size: 1, digest: "d", modified_at: "2026-01-01T00:00:00Z", details, extra: "llama3.2:latest", expires_at: "x", size_vram: 1 },
    { name: "qwen-alias", model: "llama3.2:latest" },
    { name: "llama3.2:latest", model: "llama3.2:latest" },
  ],
  data: [
    { id: "qwen2.5:0.5b", object: "model", created: 1, owned_by: "library", root: "llama3.2:latest" },
    { id: "llama3.2:latest", object: "model", created: 1, owned_by: "library" },
  ],
  secrets: ["llama3.2:latest"],
};

describe("listings are built from known fields only (security)", () => {
  test("/api/tags: only `models`, only known fields, every name allowed", async () => {
    await configureSimulator({ status: 200, errorBody: engine });
    const tags = await list("/api/tags");
    expect(tags).toEqual({
      models: [{ name: "qwen2.5:0.5b", model: "qwen2.5:0.5b", size: 1, digest: "d", modified_at: "2026-01-01T00:00:00Z", details: { format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "0.5B", quantization_level: "Q4_K_M" } }],
    });
    expect(JSON.stringify(tags)).not.toContain("llama3.2");
  });

  test("/api/ps: the same, with its own fields", async () => {
    await configureSimulator({ status: 200, errorBody: engine });
    const ps = await list("/api/ps");
    expect((ps.models as Record<string, unknown>[]).map((entry) => Object.keys(entry).sort())).toEqual([["details", "digest", "expires_at", "model", "name", "size", "size_vram"]]);
    expect(JSON.stringify(ps)).not.toContain("llama3.2");
  });

  test("/v1/models: only `data`, only OpenAI's fields", async () => {
    await configureSimulator({ status: 200, errorBody: engine });
    const models = await list("/v1/models");
    expect(models).toEqual({ object: "list", data: [{ id: "qwen2.5:0.5b", object: "model", created: 1, owned_by: "library" }] });
  });

  test("an engine answering with something that is not a listing leaks nothing", async () => {
    await configureSimulator({ status: 200, errorBody: [{ name: "llama3.2:latest" }] });
    expect(await list("/api/tags")).toEqual({ models: [] });
    expect(await list("/v1/models")).toEqual({ object: "list", data: [] });
  });
});
