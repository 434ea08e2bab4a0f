import { describe, expect, test } from "vitest";
import { buildCatalog, localBackend, type RuntimeBackend } from "../../../src/backends/catalog";
import type { StoredBackend } from "../../../src/db/backends";
import { routeModel, type RouteInput } from "../../../src/backends/routing";
import { GatehouseError } from "../../../src/errors";

const local = localBackend({ GATEHOUSE_OLLAMA: "127.0.0.1:11434", GATEHOUSE_MAX_INFLIGHT: 4 });

function row(name: string, fields: Partial<StoredBackend> = {}): StoredBackend {
  return {
    id: `id-${name}`, name, kind: "ollama", url: `http://${name}:11434`, slots: 1, priority: 0, enabled: true, boundary: "local",
    models: null, prices: null, hasCredential: false, source: "api", sealedCredential: null, updatedAt: 1, ...fields,
  };
}

const catalog = buildCatalog(local, [
  row("box1", { priority: 10, boundary: "lan" }),
  row("box2", { priority: 5, boundary: "local" }),
  row("cloudy", { kind: "openai", url: "https://api.example.com/v1", boundary: "cloud", priority: 1, prices: { inputPerMTok: 1, outputPerMTok: 2 } }),
  row("off", { enabled: false, priority: 100 }),
]);

/** Which backend has which models (stands in for discovery). */
const has: Record<string, string[]> = { local: ["llama3", "hf.co/x/y"], box1: ["llama3", "qwen"], box2: ["llama3", "qwen"], cloudy: ["gpt-4o"], off: ["llama3"] };

function input(model: string | null, fields: Partial<RouteInput> = {}): RouteInput {
  return { catalog, model, boundaries: ["local"], pinned: null, serves: async (backend: RuntimeBackend, name: string) => has[backend.name]!.includes(name), ...fields };
}

const names = (backends: RuntimeBackend[]) => backends.map((backend) => backend.name);

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatehouseError) return error.code;
    throw error;
  }
  return "none";
}

describe("routing: which backends may serve a request", () => {
  test("without rows the catalog is local alone", async () => {
    const only = buildCatalog(local, []);
    expect(only.onlyLocal).toBe(true);
    expect(names((await routeModel({ ...input("anything"), catalog: only })).candidates)).toEqual(["local"]);
  });

  test("candidates are the backends with the model within the caller's boundaries, highest priority first; disabled ones never", async () => {
    expect(names((await routeModel(input("llama3"))).candidates)).toEqual(["box2", "local"]);
    expect(names((await routeModel(input("llama3", { boundaries: ["local", "lan"] }))).candidates)).toEqual(["box1", "box2", "local"]);
  });

  test("an explicit backend/model goes to that backend alone, without the prefix", async () => {
    const routed = await routeModel(input("box2/qwen"));
    expect(names(routed.candidates)).toEqual(["box2"]);
    expect(routed.model).toBe("qwen");
    expect((await routeModel(input("BOX2/qwen"))).model).toBe("qwen");
  });

  test("a prefix that names no backend, or one the caller may not use, leaves the whole name a model name", async () => {
    const hf = await routeModel(input("hf.co/x/y"));
    expect(names(hf.candidates)).toEqual(["local"]);
    expect(hf.model).toBe("hf.co/x/y");
    // box1 is `lan`, not granted: the name is not split; and as nothing within reach serves it, nothing is sent.
    expect(await refusal(routeModel(input("box1/qwen")))).toBe("boundary_not_allowed");
    // A disabled backend is not a prefix either.
    expect((await routeModel(input("off/llama3"))).model).toBe("off/llama3");
  });

  test("tricky model names never become another backend or path", async () => {
    for (const model of ["../x", "backend/../x", "http://evil/x", "/box2/qwen", "box2/", "unknown/qwen"]) {
      const routed = await routeModel(input(model));
      expect(routed.model).toBe(model);
      expect(names(routed.candidates)).toEqual(["local"]);
    }
  });

  test("a model served only beyond the caller's boundaries is refused, 403 boundary_not_allowed", async () => {
    expect(await refusal(routeModel(input("gpt-4o")))).toBe("boundary_not_allowed");
    expect(await refusal(routeModel(input("cloudy/gpt-4o")))).toBe("boundary_not_allowed");
    const granted = await routeModel(input("gpt-4o", { boundaries: ["local", "cloud"] }));
    expect(names(granted.candidates)).toEqual(["cloudy"]);
    expect(granted.cloudBound).toBe(true);
  });

  test("a key's pinned backends narrow the candidates", async () => {
    expect(names((await routeModel(input("llama3", { pinned: ["local"] }))).candidates)).toEqual(["local"]);
    // In the key's order, not by priority.
    expect(names((await routeModel(input("llama3", { pinned: ["local", "box2"] }))).candidates)).toEqual(["local", "box2"]);
    expect(await refusal(routeModel(input("qwen", { pinned: ["local"] })))).toBe("forbidden");
    // An explicit prefix outside the pinned set is not a prefix.
    expect((await routeModel(input("box2/qwen", { pinned: ["local"] }))).model).toBe("box2/qwen");
  });

  test("Ollama's :cloud models stay on local, and are cloud-bound", async () => {
    const routed = await routeModel(input("gpt-oss:120b-cloud", { boundaries: ["local", "cloud"] }));
    expect(names(routed.candidates)).toEqual(["local"]);
    expect(routed.cloudBound).toBe(true);
    expect((await routeModel(input("llama3"))).cloudBound).toBe(false);
    // A key pinned elsewhere does not reach them through `local` (403, nothing sent); pinned to local it does.
    expect(await refusal(routeModel(input("gpt-oss:120b-cloud", { boundaries: ["local", "cloud"], pinned: ["box2"] })))).toBe("forbidden");
    expect(await refusal(routeModel(input("GLM-4.6:Cloud", { boundaries: ["local", "cloud"], pinned: ["box2", "cloudy"] })))).toBe("forbidden");
    expect(names((await routeModel(input("gpt-oss:120b-cloud", { boundaries: ["local", "cloud"], pinned: ["box2", "local"] }))).candidates)).toEqual(["local"]);
  });
});
