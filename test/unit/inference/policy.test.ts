import { describe, expect, test } from "vitest";
import type { Principal } from "../../../src/auth/principal";
import { parseConfig } from "../../../src/config";
import { BodyEdits } from "../../../src/body/edits";
import { scanJson } from "../../../src/body/scan";
import { applyCeilings, ceilingRules, clampKeepAlive, rejectRedirectFields, type CeilingKind } from "../../../src/inference/ceilings";
import { canonicalModel, globMatches } from "../../../src/inference/model-names";
import { isCloudModel, modelAllowed } from "../../../src/inference/model-policy";
import { defaultLimits } from "../../../src/governance/limits";

const principal = (models: string[] | null, allowCloudModels = false): Principal => ({
  userId: "u1",
  username: "ana",
  role: "user",
  via: "key",
  keyId: "k1",
  limits: { ...defaultLimits, models },
  allowCloudModels,
  boundaries: allowCloudModels ? ["local", "cloud"] : ["local"],
  pinnedBackends: null,
  captureMode: null,
  status: "active",
  mustChangePassword: false,
  scope: null,
});

describe("model policy", () => {
  test("globs match whole names, case-insensitively", () => {
    expect(globMatches("llama3*", "llama3.2:latest")).toBe(true);
    expect(globMatches("llama3*", "xllama3")).toBe(false);
    expect(globMatches("qwen2.5:?.5b", "qwen2.5:0.5b")).toBe(true);
    expect(globMatches("a.b", "aXb")).toBe(false);
  });

  test("a bare name is the :latest tag", () => {
    expect(canonicalModel("llama3.2")).toBe("llama3.2:latest");
    expect(modelAllowed(principal(["llama3.2:latest"]), "llama3.2")).toBe(true);
  });

  test("a user limited to some models is refused the others", () => {
    expect(modelAllowed(principal(["qwen*"]), "llama3.2")).toBe(false);
    expect(modelAllowed(principal(null), "anything:7b")).toBe(true);
    expect(modelAllowed(principal([]), "qwen2.5")).toBe(false);
  });

  test("cloud models are refused unless allowed, even for `*`", () => {
    expect(isCloudModel("gpt-oss:120b-cloud")).toBe(true);
    expect(isCloudModel("deepseek:cloud")).toBe(true);
    expect(isCloudModel("cloudy-model:7b")).toBe(false);
    expect(modelAllowed(principal(["*"]), "gpt-oss:120b-cloud")).toBe(false);
    expect(modelAllowed(principal(["*"], true), "gpt-oss:120b-cloud")).toBe(true);
  });

  test("the cloud tag is compared as Ollama compares it: any case, trimmed, digest or not", () => {
    for (const name of ["gpt-oss:120B-CLOUD", "glm-4.6:Cloud", "deepseek:CLOUD", "qwen3:480b-Cloud", `x:cloud@sha256:${"a".repeat(64)}`]) {
      expect(isCloudModel(name), name).toBe(true);
      expect(modelAllowed(principal(["*"]), name), name).toBe(false);
    }
    expect(isCloudModel("cloud:7b")).toBe(false);
    expect(isCloudModel("ns/cloud-model")).toBe(false);
  });

  test("names engines advertise: a pinned digest is checked as the name it pins", () => {
    const pinned = `llama3.2@sha256:${"0".repeat(64)}`;
    expect(canonicalModel(pinned)).toBe("llama3.2:latest");
    expect(modelAllowed(principal(["llama3.2:*"]), pinned)).toBe(true);
    expect(modelAllowed(principal(["qwen*"]), pinned)).toBe(false);
  });
});

describe("GPU ceilings", () => {
  const config = parseConfig({ GATEHOUSE_MAX_NUM_CTX: "8192", GATEHOUSE_MAX_NUM_PREDICT: "1000", GATEHOUSE_MAX_KEEP_ALIVE: "600" });

  /** The body text after the ceilings of `kind`, and the edited paths. */
  const ceiled = (kind: CeilingKind, body: Record<string, unknown> | string) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const edits = new BodyEdits();
    applyCeilings(ceilingRules[kind], JSON.parse(text) as Record<string, unknown>, edits, config);
    return { body: JSON.parse(edits.size ? edits.apply(text, scanJson(text).root!) : text) as Record<string, unknown>, edited: edits.paths };
  };

  test("num_ctx over the ceiling is refused naming the field, in any case of key", () => {
    expect(() => ceiled("ollama-generate", { model: "m", options: { num_ctx: 65536 } })).toThrow(/options\.num_ctx/);
    expect(() => ceiled("ollama-generate", { model: "m", Options: { NUM_CTX: 65536 } })).toThrow(/options\.num_ctx/);
    expect(() => ceiled("ollama-embed", { model: "m", OPTIONS: { Num_Ctx: 65536 } })).toThrow(/options\.num_ctx/);
    expect(ceiled("ollama-generate", { model: "m", options: { num_ctx: 4096, num_predict: 10 } })).toEqual({ body: { model: "m", options: { num_ctx: 4096, num_predict: 10 } }, edited: [] });
  });

  test("num_predict and max_tokens are clamped, -1 included", () => {
    expect(ceiled("ollama-generate", { options: { num_predict: -1 } }).body).toMatchObject({ options: { num_predict: 1000 } });
    expect(ceiled("openai-chat", { max_tokens: 50_000 }).body).toMatchObject({ max_tokens: 1000 });
    expect(ceiled("openai-chat", { max_tokens: 10 })).toEqual({ body: { max_tokens: 10 }, edited: [] });
  });

  test("an absent or null output limit gets the ceiling, on every kind that generates", () => {
    expect(ceiled("ollama-generate", { model: "m" }).body).toEqual({ model: "m", options: { num_predict: 1000 } });
    expect(ceiled("ollama-generate", { model: "m", options: null }).body).toEqual({ model: "m", options: { num_predict: 1000 } });
    expect(ceiled("ollama-generate", { model: "m", options: { temperature: 0, num_predict: null } }).body).toEqual({ model: "m", options: { temperature: 0, num_predict: 1000 } });
    expect(ceiled("openai-chat", { model: "m" }).body).toEqual({ model: "m", max_tokens: 1000 });
    expect(ceiled("openai-chat", { model: "m", max_tokens: null }).body).toEqual({ model: "m", max_tokens: 1000 });
    expect(ceiled("openai-completion", { model: "m" }).body).toEqual({ model: "m", max_tokens: 1000 });
    // Embeddings generate nothing: no limit is added, so their bytes go as sent.
    expect(ceiled("ollama-embed", { model: "m", input: "x" }).edited).toEqual([]);
  });

  test("the ceiling step reports the limit the engine will work to", () => {
    const limitOf = (kind: CeilingKind, body: Record<string, unknown>) => applyCeilings(ceilingRules[kind], body, new BodyEdits(), config);
    expect(limitOf("ollama-generate", {})).toBe(1000);
    expect(limitOf("ollama-generate", { options: { num_predict: 30 } })).toBe(30);
    expect(limitOf("openai-chat", { max_completion_tokens: 40 })).toBe(40);
    expect(limitOf("openai-chat", { max_tokens: -1 })).toBe(1000);
    expect(limitOf("ollama-embed", {})).toBeNull();
  });

  test("max_completion_tokens reaches Ollama as max_tokens (the one it reads), within the ceiling", () => {
    expect(ceiled("openai-chat", { max_completion_tokens: 50 }).body).toEqual({ max_completion_tokens: 50, max_tokens: 50 });
    expect(ceiled("openai-chat", { max_completion_tokens: 5000 }).body).toEqual({ max_completion_tokens: 1000, max_tokens: 1000 });
    expect(ceiled("openai-chat", { max_tokens: 20, max_completion_tokens: 50 }).edited).toEqual([]);
  });

  test("a limit under another case is written under the exact name (Ollama reads options keys exactly)", () => {
    expect(ceiled("ollama-generate", { options: { NUM_PREDICT: 50, seed: 1 } }).body).toEqual({ options: { num_predict: 50, seed: 1 } });
    expect(ceiled("openai-chat", { MAX_TOKENS: 9999 }).body).toEqual({ max_tokens: 1000 });
    expect(ceiled("ollama-generate", { Keep_Alive: -1, options: { num_predict: 1 } }).body).toEqual({ keep_alive: 600, options: { num_predict: 1 } });
    // U+212A KELVIN SIGN folds to k, U+017F LONG S to s: Go reads both as keep_alive / options.
    expect(ceiled("ollama-embed", { "\u212Aeep_alive": "24h" }).body).toEqual({ keep_alive: 600 });
    expect(ceiled("ollama-generate", { "option\u017F": { num_predict: 99_999 } }).body).toEqual({ options: { num_predict: 1000 } });
  });

  test("edits keep every other member's bytes and order", () => {
    const text = '{"z":1.0,"model":"m","tools":[{"b":1,"a":2}],"options":{"top_k":40,"num_predict":-1,"seed":7},"é":"\\u00e9"}';
    const edits = new BodyEdits();
    applyCeilings(ceilingRules["ollama-generate"], JSON.parse(text) as Record<string, unknown>, edits, config);
    expect(edits.apply(text, scanJson(text).root!)).toBe('{"z":1.0,"model":"m","tools":[{"b":1,"a":2}],"options":{"top_k":40,"num_predict":1000,"seed":7},"é":"\\u00e9"}');
  });
  test("keep_alive forever or too long is clamped; a short one is kept", () => {
    expect(clampKeepAlive(-1, 600)).toBe(600);
    expect(clampKeepAlive("-1m", 600)).toBe(600);
    expect(clampKeepAlive("24h", 600)).toBe(600);
    expect(clampKeepAlive("5m", 600)).toBe("5m");
    expect(clampKeepAlive(0, 600)).toBe(0);
    // Go durations may be compound.
    expect(clampKeepAlive("2h0m", 600)).toBe(600);
    expect(clampKeepAlive("9m59s", 600)).toBe("9m59s");
    expect(clampKeepAlive("10m1s", 600)).toBe(600);
  });

  test("fields that could redirect the upstream are rejected", () => {
    expect(() => rejectRedirectFields({ model: "m", base_url: "http://evil" })).toThrow(/base_url/);
    expect(() => rejectRedirectFields({ model: "m", host: "10.0.0.1" })).toThrow(/host/);
    expect(() => rejectRedirectFields({ model: "m", BASE_URL: "http://evil" })).toThrow(/BASE_URL/);
    expect(() => rejectRedirectFields({ model: "m", "ho\u017Ft": "10.0.0.1" })).toThrow(/not accepted/);
    expect(() => rejectRedirectFields({ model: "m" })).not.toThrow();
  });
});
