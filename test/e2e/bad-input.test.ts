import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";
import { httpRequest, rawRequest } from "./helpers/raw-http";
import { errorCode } from "../helpers/error-shape";

/**
 * A corpus of malformed and hostile requests, sent as raw bytes to
 * `npm start`. Every one must be a 4xx in the one error shape, none a 5xx,
 * and none may reach Ollama.
 */
type Case = [name: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer];

const json = { "Content-Type": "application/json" };
const chat = (extra: string) => `{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]${extra}}`;

function corpus(key: string): Case[] {
  const auth = { ...json, Authorization: `Bearer ${key}` };
  const deepArray = "[".repeat(100_000) + "]".repeat(100_000);
  const deepObject = '{"a":'.repeat(5_000) + "1" + "}".repeat(5_000);
  return [
    // Broken and odd JSON
    ["truncated JSON", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":['],
    ["empty body", "POST", "/api/chat", auth, ""],
    ["JSON array", "POST", "/api/chat", auth, "[]"],
    ["JSON string", "POST", "/api/chat", auth, '"chat"'],
    ["JSON null", "POST", "/api/chat", auth, "null"],
    ["JSON number", "POST", "/api/generate", auth, "42"],
    ["trailing garbage", "POST", "/api/chat", auth, `${chat("")}xyz`],
    ["single quotes", "POST", "/api/chat", auth, "{'model':'llama3.2'}"],
    ["100k nested arrays", "POST", "/api/chat", auth, deepArray],
    ["5k nested objects", "POST", "/api/generate", auth, `{"model":"llama3.2","prompt":"x","options":${deepObject}}`],
    ["invalid UTF-8", "POST", "/api/chat", auth, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ["overlong UTF-8", "POST", "/api/chat", auth, Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
    // Wrong types and missing fields
    ["model missing", "POST", "/api/chat", auth, '{"messages":[]}'],
    ["model a number", "POST", "/api/chat", auth, '{"model":7,"messages":[]}'],
    ["model empty", "POST", "/api/generate", auth, '{"model":"","prompt":"x"}'],
    ["model a path", "POST", "/api/generate", auth, '{"model":"../../etc/passwd","prompt":"x"}'],
    ["model a URL", "POST", "/api/generate", auth, '{"model":"http://evil/x","prompt":"x"}'],
    ["model 10k chars", "POST", "/api/generate", auth, `{"model":"${"m".repeat(10_000)}","prompt":"x"}`],
    ["messages an object", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":{"role":"user"}}'],
    ["message a string", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":["hi"]}'],
    ["role a number", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":[{"role":1,"content":"x"}]}'],
    ["content an object", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":[{"role":"user","content":{"a":1}}]}'],
    ["images not strings", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":[{"role":"user","content":"x","images":[1]}]}'],
    ["stream a string", "POST", "/api/chat", auth, chat(',"stream":"yes"')],
    ["options an array", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","options":[1]}'],
    ["keep_alive an object", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","keep_alive":{}}'],
    ["num_ctx huge", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","options":{"num_ctx":1e12}}'],
    ["num_ctx infinite", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","options":{"num_ctx":1e999}}'],
    ["embed input a number", "POST", "/api/embed", auth, '{"model":"nomic-embed-text","input":5}'],
    ["openai messages empty", "POST", "/v1/chat/completions", auth, '{"model":"llama3.2","messages":[]}'],
    ["openai max_tokens a string", "POST", "/v1/chat/completions", auth, '{"model":"llama3.2","messages":[{"role":"user"}],"max_tokens":"9"}'],
    ["openai embeddings input an object", "POST", "/v1/embeddings", auth, '{"model":"nomic-embed-text","input":{"a":1}}'],
    // NUL bytes, lone surrogates, prototype keys
    ["NUL in model", "POST", "/api/generate", auth, '{"model":"llama3.2\\u0000","prompt":"x"}'],
    ["NUL in content", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":[{"role":"user","content":"a\\u0000b"}]}'],
    ["lone high surrogate", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":[{"role":"user","content":"\\ud800"}]}'],
    ["lone low surrogate in a key", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","\\udc00":1}'],
    ["__proto__ key", "POST", "/api/chat", auth, chat(',"__proto__":{"admin":true}')],
    ["constructor.prototype", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","constructor":{"prototype":{"x":1}}}'],
    ["nested __proto__", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","options":{"__proto__":{"x":1}}}'],
    ["base_url redirect", "POST", "/v1/chat/completions", auth, '{"model":"llama3.2","messages":[{"role":"user"}],"base_url":"http://10.1.1.1"}'],
    ["host redirect", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","host":"10.1.1.1:11434"}'],
    // Keys Ollama's Go decoder reads in any case (issue 13.1): duplicates under folding, folded redirects, cloud tags in any case
    ["Model beside model", "POST", "/api/chat", auth, chat(',"Model":"secret-model"')],
    ["escaped key repeats model", "POST", "/api/generate", auth, '{"model":"llama3.2","\\u006dodel":"secret","prompt":"x"}'],
    ["long-s stream beside stream", "POST", "/api/chat", auth, chat(',"stream":true,"\u017Ftream":false')],
    ["Kelvin keep_alive beside keep_alive", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","keep_alive":"5m","\u212Aeep_alive":-1}'],
    ["options twice (Go merges them)", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","options":{"num_ctx":1e9},"options":{"seed":1}}'],
    ["NUM_CTX beside num_ctx", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","options":{"num_ctx":2048,"NUM_CTX":1e9}}'],
    ["Options.num_ctx huge", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","Options":{"num_ctx":1e9}}'],
    ["MAX_TOKENS beside max_tokens", "POST", "/v1/chat/completions", auth, '{"model":"llama3.2","messages":[{"role":"user"}],"max_tokens":5,"MAX_TOKENS":-1}'],
    ["STREAM_OPTIONS beside stream_options", "POST", "/v1/chat/completions", auth, '{"model":"llama3.2","messages":[{"role":"user"}],"stream_options":{"include_usage":true},"STREAM_OPTIONS":{}}'],
    ["Content twice in a message", "POST", "/api/chat", auth, '{"model":"llama3.2","messages":[{"role":"user","content":"a","CONTENT":"b"}]}'],
    ["Base_URL redirect", "POST", "/v1/chat/completions", auth, '{"model":"llama3.2","messages":[{"role":"user"}],"Base_URL":"http://10.1.1.1"}'],
    ["HOST redirect with a long s", "POST", "/api/generate", auth, '{"model":"llama3.2","prompt":"x","ho\u017Ft":"10.1.1.1:11434"}'],
    ["cloud tag in capitals", "POST", "/api/chat", auth, '{"model":"gpt-oss:120B-CLOUD","messages":[{"role":"user","content":"x"}]}'],
    ["cloud tag capitalised on /v1", "POST", "/v1/chat/completions", auth, '{"model":"glm-4.6:Cloud","messages":[{"role":"user"}]}'],
    ["MODEL naming a cloud model", "POST", "/api/generate", auth, '{"MODEL":"deepseek:CLOUD","prompt":"x"}'],
    ["model with a dot segment", "POST", "/api/generate", auth, '{"model":"a/./b","prompt":"x"}'],
    ["model id with an empty segment", "GET", "/v1/models/a%2F%2Fb", auth],
    // Media types and sizes
    ["text/plain body", "POST", "/api/chat", { Authorization: `Bearer ${key}`, "Content-Type": "text/plain" }, chat("")],
    ["XML body", "POST", "/api/chat", { Authorization: `Bearer ${key}`, "Content-Type": "application/xml" }, "<chat/>"],
    ["multipart body", "POST", "/v1/chat/completions", { Authorization: `Bearer ${key}`, "Content-Type": "multipart/form-data; boundary=x" }, "--x--"],
    // The gateway answers 413 from the declared length without reading on, so only a first slice is sent.
    ["9 MiB body", "POST", "/api/generate", { ...auth, "Content-Length": String(9 * 1024 * 1024) }, `{"model":"llama3.2","prompt":"${"x".repeat(65_536)}`],
    ["Content-Length claims 1 GiB", "POST", "/api/chat", { ...auth, "Content-Length": String(1024 ** 3) }, undefined],
    // Header abuse
    ["no credentials", "POST", "/api/chat", json, chat("")],
    ["empty Bearer", "POST", "/api/chat", { ...json, Authorization: "Bearer " }, chat("")],
    ["unknown key", "POST", "/api/chat", { ...json, Authorization: "Bearer gh_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, chat("")],
    ["Basic not base64", "POST", "/api/chat", { ...json, Authorization: "Basic !!!%%%" }, chat("")],
    ["Basic without colon", "GET", "/api/tags", { Authorization: `Basic ${Buffer.from("nobody").toString("base64")}` }],
    ["unknown scheme", "GET", "/api/tags", { Authorization: "Digest username=admin" }],
    ["8 KiB Authorization", "GET", "/api/tags", { Authorization: `Bearer ${"A".repeat(8192)}` }],
    ["cookie instead of key", "GET", "/api/tags", { Cookie: "gatehouse_session=eyJhbGciOiJub25lIn0.e30." }],
    ["forged X-Forwarded-For as admin", "POST", "/api/pull", { ...auth, "X-Forwarded-For": "127.0.0.1" }, '{"model":"llama3.2"}'],
    // Paths
    ["double slash", "POST", "//api/pull", auth, '{"model":"x"}'],
    ["encoded dot-dot to pull", "POST", "/api/%2e%2e/api/pull", auth, '{"model":"x"}'],
    ["dot-dot from tags", "GET", "/api/tags/../../etc/passwd", auth],
    ["encoded slash", "GET", "/api%2fpull", auth],
    ["NUL in path", "GET", "/api/tags%00", auth],
    ["trailing slash", "POST", "/api/chat/", auth, chat("")],
    ["upper case", "POST", "/API/CHAT", auth, chat("")],
    ["unknown api path", "POST", "/api/experimental/web_fetch", auth, "{}"],
    ["ollama.com account route", "GET", "/api/me", auth],
    ["PUT on chat", "PUT", "/api/chat", auth, chat("")],
    ["TRACE", "TRACE", "/api/tags", auth],
    ["encoded model id traversal", "GET", "/v1/models/..%2f..%2fapi%2fpull", auth],
    ["blob digest traversal", "POST", "/api/blobs/sha256:..%2f..", auth, "x"],
    ["model management as a user", "DELETE", "/api/delete", auth, '{"model":"llama3.2"}'],
    // Control plane
    ["login with an operator object", "POST", "/auth/login", { ...json, Origin: "http://127.0.0.1" }, '{"username":{"$ne":null},"password":"x"}'],
    ["login as text/plain", "POST", "/auth/login", { "Content-Type": "text/plain" }, '{"username":"admin","password":"x"}'],
    ["register with a short password", "POST", "/auth/register", json, '{"email":"a@b.example","password":"short"}'],
    ["admin API with a user's key", "GET", "/admin/api/users", auth],
  ];
}

describe("hostile and malformed requests", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let cases: Case[] = [];

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    const { secret } = await (await AdminClient.signIn(gatehouse.url)).userWithKey("hostile", { role: "user" as never });
    cases = corpus(secret);
    await fetch(`${simulator.url}/__sim/reset`, { method: "POST" });
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  test("the corpus has at least 60 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  test("every case is a 4xx with the error shape, and none reaches Ollama", async () => {
    const failures: string[] = [];
    for (const [name, method, path, headers, body] of cases) {
      const response = await rawRequest(gatehouse.port, httpRequest(method, path, headers, body)).catch((error: Error) => ({
        status: 0,
        headers: {} as Record<string, string>,
        body: `connection failed: ${error.message}`,
      }));
      let code: unknown;
      try {
        code = errorCode(JSON.parse(response.body));
      } catch {
        code = undefined;
      }
      const shaped = typeof code === "string" && response.headers["x-request-id"] !== undefined;
      if (response.status < 400 || response.status >= 500 || !shaped) {
        failures.push(`${name}: ${response.status} ${response.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(simulator.state.log().requests.map((seen) => `${seen.method} ${seen.path}`)).toEqual([]);
  });
});
