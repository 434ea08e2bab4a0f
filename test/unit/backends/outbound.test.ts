import { describe, expect, test } from "vitest";
import { buildCatalog, localBackend, type RuntimeBackend } from "../../../src/backends/catalog";
import { sealCredential } from "../../../src/backends/credential-seal";
import { callBackend, type Outbound } from "../../../src/backends/outbound";
import type { BackendKind } from "../../../src/backends/types";
import { GatehouseError } from "../../../src/errors";

/** The way out, seen from the two bindings: what each is asked to fetch, with which headers and redirect mode. */

const secret = "session-secret-for-the-outbound-unit-test-0123456789";
const providerKey = "sk-unit-provider-key-abcdef";

function recorder(answer: () => Response = () => new Response("{}")) {
  const seen: { binding: string; url: string; init: RequestInit; headers: Headers }[] = [];
  const fetcher = (binding: string) => ({
    fetch: async (url: string, init: RequestInit) => {
      seen.push({ binding, url, init, headers: new Headers(init.headers) });
      return answer();
    },
  }) as unknown as Fetcher;
  const out: Outbound = { ollama: fetcher("OLLAMA"), engines: fetcher("ENGINES"), ollamaAddress: "127.0.0.1:11434", sessionSecret: secret, firstByteTimeoutMs: 5000, lookupTimeoutMs: 1000 };
  return { out, seen };
}

async function backend(kind: BackendKind, url: string, credential: string | null): Promise<RuntimeBackend> {
  const local = localBackend({ GATEHOUSE_OLLAMA: "127.0.0.1:11434", GATEHOUSE_MAX_INFLIGHT: 2 });
  const sealed = credential === null ? null : await sealCredential(secret, credential);
  const catalog = buildCatalog(local, [{ ...local, id: "b", name: "box", kind, url, source: "api", hasCredential: sealed !== null, sealedCredential: sealed, updatedAt: 1 }]);
  return catalog.byName("box")!;
}

describe("the one way out", () => {
  test("local goes through OLLAMA to GATEHOUSE_OLLAMA; another backend through ENGINES to its URL, never following a redirect", async () => {
    const { out, seen } = recorder();
    await callBackend(out, localBackend({ GATEHOUSE_OLLAMA: "127.0.0.1:11434", GATEHOUSE_MAX_INFLIGHT: 2 }), { method: "POST", path: "/api/chat", body: new Uint8Array([123, 125]) });
    await callBackend(out, await backend("openai", "http://box:8000/v1", null), { method: "POST", path: "/chat/completions", body: new Uint8Array([123, 125]) });
    expect(seen.map(({ binding, url }) => [binding, url])).toEqual([["OLLAMA", "http://127.0.0.1:11434/api/chat"], ["ENGINES", "http://box:8000/v1/chat/completions"]]);
    expect(seen[1]!.init.redirect).toBe("manual");
  });

  test("the credential goes as each kind expects, and nothing a translator adds can replace it", async () => {
    const { out, seen } = recorder();
    const extra = { Authorization: "Bearer stolen", "X-Api-Key": "stolen", Host: "evil.example", Cookie: "a=b", "X-Forwarded-For": "1.2.3.4", "anthropic-beta": "tools" };
    await callBackend(out, await backend("openai", "https://api.example.com/v1", providerKey), { method: "GET", path: "/models", headers: extra });
    await callBackend(out, await backend("anthropic", "https://api.anthropic.example", providerKey), { method: "GET", path: "/v1/models", headers: extra });
    const [openai, anthropic] = seen;
    expect(openai!.headers.get("authorization")).toBe(`Bearer ${providerKey}`);
    expect(openai!.headers.get("x-api-key")).toBeNull();
    expect(anthropic!.headers.get("x-api-key")).toBe(providerKey);
    expect(anthropic!.headers.get("authorization")).toBeNull();
    expect(anthropic!.headers.get("anthropic-version")).toBe("2023-06-01");
    for (const { headers } of seen) {
      expect(headers.get("host")).toBeNull();
      expect(headers.get("cookie")).toBeNull();
      expect(headers.get("x-forwarded-for")).toBeNull();
      expect(headers.get("anthropic-beta")).toBe("tools");
    }
  });

  test("a 3xx is an upstream error that never says where it pointed, and is not retried", async () => {
    const { out, seen } = recorder(() => new Response(null, { status: 302, headers: { Location: "http://169.254.169.254/latest" } }));
    const error = await callBackend(out, await backend("openai", "http://box:8000/v1", providerKey), { method: "GET", path: "/models" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatehouseError);
    expect((error as GatehouseError).code).toBe("upstream_unavailable");
    expect((error as GatehouseError).message).not.toContain("169.254");
    expect((error as GatehouseError).message).not.toContain(providerKey);
    expect(seen).toHaveLength(1);
  });

  test("a credential that does not open sends nothing and says so without the sealed text", async () => {
    const { out, seen } = recorder();
    const broken = { ...(await backend("openai", "http://box:8000/v1", null)), sealedCredential: "v1.AAAA.BBBB" };
    const error = await callBackend(out, broken, { method: "GET", path: "/models" }).catch((caught: unknown) => caught);
    expect((error as GatehouseError).code).toBe("upstream_unavailable");
    expect((error as GatehouseError).message).not.toContain("v1.AAAA");
    expect(seen).toHaveLength(0);
  });
});
