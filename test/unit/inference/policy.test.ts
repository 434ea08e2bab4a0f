import { describe, expect, test } from "vitest";
import type { Principal } from "../../../src/auth/principal";
import { parseConfig } from "../../../src/config";
import { applyOllamaCeilings, applyOpenAiCeilings, clampKeepAlive, rejectRedirectFields } from "../../../src/inference/ceilings";
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
});

describe("GPU ceilings", () => {
  const config = parseConfig({ GATEHOUSE_MAX_NUM_CTX: "8192", GATEHOUSE_MAX_NUM_PREDICT: "1000", GATEHOUSE_MAX_KEEP_ALIVE: "600" });

  test("num_ctx over the ceiling is refused naming the field", () => {
    expect(() => applyOllamaCeilings({ model: "m", options: { num_ctx: 65536 } }, config)).toThrow(/options\.num_ctx/);
    expect(applyOllamaCeilings({ model: "m", options: { num_ctx: 4096 } }, config)).toMatchObject({ options: { num_ctx: 4096 } });
  });

  test("num_predict and max_tokens are clamped, -1 included", () => {
    expect(applyOllamaCeilings({ options: { num_predict: -1 } }, config)).toMatchObject({ options: { num_predict: 1000 } });
    expect(applyOpenAiCeilings({ max_tokens: 50_000 }, config)).toMatchObject({ max_tokens: 1000 });
    expect(applyOpenAiCeilings({ max_tokens: 10 }, config)).toMatchObject({ max_tokens: 10 });
  });

  test("keep_alive forever or too long is clamped; a short one is kept", () => {
    expect(clampKeepAlive(-1, 600)).toBe(600);
    expect(clampKeepAlive("-1m", 600)).toBe(600);
    expect(clampKeepAlive("24h", 600)).toBe(600);
    expect(clampKeepAlive("5m", 600)).toBe("5m");
    expect(clampKeepAlive(0, 600)).toBe(0);
  });

  test("fields that could redirect the upstream are rejected", () => {
    expect(() => rejectRedirectFields({ model: "m", base_url: "http://evil" })).toThrow(/base_url/);
    expect(() => rejectRedirectFields({ model: "m", host: "10.0.0.1" })).toThrow(/host/);
    expect(() => rejectRedirectFields({ model: "m" })).not.toThrow();
  });
});
