import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";

import { postJson } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";
import { verifyNow } from "../audit/helpers";
import { errorOf } from "../../helpers/error-shape";
import { clearPolicies, everyCell, forwardedBodies, planted, plantedForms, plantedText, readableContentOf, setPolicy, settled, userWithKey } from "./helpers";

/**
 * Sensitive data through the real pipeline, on every dialect, streamed and
 * not: what the model sees per policy, what the client gets on a block, and
 * that nothing stored holds a planted value.
 */

beforeEach(async () => {
  await resetSimulator();
  await clearPolicies();
});

const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

interface Dialect {
  name: string;
  path: string;
  body: (text: string, stream: boolean) => Record<string, unknown>;
  openai: boolean;
}

const dialects: Dialect[] = [
  { name: "ollama chat", path: "/api/chat", openai: false, body: (t, stream) => ({ model: "llama3.2:latest", stream, messages: [{ role: "system", content: `sys ${t}` }, { role: "user", content: t }] }) },
  { name: "ollama generate", path: "/api/generate", openai: false, body: (t, stream) => ({ model: "llama3.2:latest", stream, prompt: t, system: `sys ${t}` }) },
  { name: "openai chat", path: "/v1/chat/completions", openai: true, body: (t, stream) => ({ model: "llama3.2:latest", stream, messages: [{ role: "user", content: [{ type: "text", text: t }] }, { role: "tool", tool_call_id: "c1", content: `tool said ${t}` }] }) },
  { name: "openai completions", path: "/v1/completions", openai: true, body: (t, stream) => ({ model: "llama3.2:latest", stream, prompt: t }) },
];


describe.each(dialects)("$name", (dialect) => {
  test.each([false, true])("observe (default): the model sees the text, the record holds placeholders (stream %s)", async (stream) => {
    const { key } = await userWithKey();
    const response = await postJson(dialect.path, dialect.body(plantedText, stream), bearer(key.secret));
    expect(response.status).toBe(200);
    const answer = await response.text();
    expect(answer).toContain(planted.aws); // the simulator echoes: the answer itself is untouched
    const id = response.headers.get("x-request-id")!;
    const { findings } = await settled(id);
    expect(await forwardedBodies()).toContain(planted.email);
    const stored = (await readableContentOf([id])).get(id)!;
    for (const value of plantedForms()) {
      expect(stored.prompt).not.toContain(value);
      expect(stored.response ?? "").not.toContain(value);
    }
    expect(stored.prompt).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    expect(stored.response).toMatch(/\[AWS_KEY:[0-9a-f]{8}\]/);
    const categories = (where: string) => new Set(findings.filter((f) => f.location === where).map((f) => f.category));
    expect([...categories("prompt")].sort()).toEqual(["aws_key", "email", "iban", "payment_card", "phone"]);
    expect(categories("answer").has("aws_key")).toBe(true);
    for (const f of findings) {
      expect(f.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(f.action).toBe("observe");
    }
    const cells = await everyCell();
    for (const value of plantedForms()) expect(cells).not.toContain(value);
  });

  test("redact: the model sees typed placeholders in every text field, nothing else changes", async () => {
    const { key } = await userWithKey();
    await setPolicy("global", "", "email", "redact");
    await setPolicy("global", "", "aws_key", "redact");
    const response = await postJson(dialect.path, dialect.body(plantedText, false), bearer(key.secret));
    expect(response.status).toBe(200);
    await response.text();
    const forwarded = await forwardedBodies();
    expect(forwarded).not.toContain(planted.email);
    expect(forwarded).not.toContain(planted.aws);
    expect(forwarded).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    expect(forwarded).toContain(planted.iban); // observed only
    expect(forwarded).toContain('"model":"llama3.2:latest"');
    const { findings } = await settled(response.headers.get("x-request-id")!);
    expect(findings.find((f) => f.category === "email" && f.location === "prompt")?.action).toBe("redact");
  });

  test("block: 422 sensitive_data_blocked naming the category, in the route's dialect, nothing forwarded", async () => {
    const { key } = await userWithKey();
    await setPolicy("global", "", "iban", "block");
    const response = await postJson(dialect.path, dialect.body(plantedText, true), bearer(key.secret));
    expect(response.status).toBe(422);
    const body = await response.json<Record<string, unknown>>();
    const error = errorOf(body);
    expect(error.code).toBe("sensitive_data_blocked");
    expect(error.message).toContain("iban");
    expect(error.message).not.toContain(planted.iban);
    // Each route's own dialect: OpenAI's nested object with its type, Ollama's string.
    if (dialect.openai) expect((body.error as { type: string }).type).toBe("invalid_request_error");
    else expect(typeof body.error).toBe("string");
    expect((await simulatorLog()).requests).toHaveLength(0);
    const { findings } = await settled(response.headers.get("x-request-id")!, false);
    expect(findings.find((f) => f.category === "iban")?.action).toBe("block");
  });
});

describe("policy scopes", () => {
  test("a user's setting overrides the global one; a key only narrows its user's", async () => {
    const { user, key } = await userWithKey();
    const strictKey = await seedKey(user.id);
    await setPolicy("global", "", "email", "block");
    await setPolicy("user", user.id, "email", "observe");
    await setPolicy("key", key.id, "email", "observe"); // cannot loosen below the user's
    await setPolicy("key", strictKey.id, "email", "block");
    const body = { model: "llama3.2:latest", stream: false, prompt: `mail ${planted.email}` };
    const allowed = await postJson("/api/generate", body, bearer(key.secret));
    expect(allowed.status).toBe(200);
    await allowed.text();
    const refused = await postJson("/api/generate", body, bearer(strictKey.secret));
    expect(refused.status).toBe(422);
    const other = await userWithKey();
    const global = await postJson("/api/generate", body, bearer(other.key.secret));
    expect(global.status).toBe(422);
  });

  test("legacy POST /chat is screened too, and its stored prompt carries no credentials nor values", async () => {
    const user = await seedUser();
    await setPolicy("global", "", "payment_card", "redact");
    const response = await postJson("/chat", { auth: { username: user.username, password: "correct horse battery staple" }, model: "llama3.2:latest", messages: [{ role: "user", content: `pay with ${planted.card}` }] });
    expect(response.status).toBe(200);
    await response.text();
    const forwarded = await forwardedBodies();
    expect(forwarded).not.toContain(planted.card);
    expect(forwarded).not.toContain("correct horse battery staple"); // the redaction edit never brings the removed credentials back
    const id = response.headers.get("x-request-id")!;
    await settled(id);
    const stored = (await readableContentOf([id])).get(id)!;
    expect(stored.prompt).not.toContain("correct horse battery staple");
    expect(stored.prompt).toMatch(/\[PAYMENT_CARD:[0-9a-f]{8}\]/);
  });

  test("Unicode disguises are redacted too: full-width digits and zero-width characters", async () => {
    const { key } = await userWithKey();
    await setPolicy("global", "", "payment_card", "redact");
    await setPolicy("global", "", "email", "redact");
    const disguised = "card ４１１１ １１１１ １１１１ １１１１ and mail plan\u200bted@exam\u200dple.org";
    const response = await postJson("/api/generate", { model: "llama3.2:latest", stream: false, prompt: disguised }, bearer(key.secret));
    expect(response.status).toBe(200);
    await response.text();
    const seen = (await simulatorLog()).requests[0]!.body as { prompt: string };
    expect(seen.prompt).toMatch(/^card \[PAYMENT_CARD:[0-9a-f]{8}\] and mail \[EMAIL:[0-9a-f]{8}\]$/);
  });

  test("the chain still verifies after screened requests", async () => {
    const { key } = await userWithKey();
    const response = await postJson("/api/generate", { model: "llama3.2:latest", stream: false, prompt: plantedText }, bearer(key.secret));
    await response.text();
    await settled(response.headers.get("x-request-id")!);
    expect((await verifyNow()).ok).toBe(true);
  });
});

describe("defaults by boundary", () => {
  const pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIHk2pHk2pHk2pHk2pHk2pHk2pHk2pHk2pHk2pHk2\n-----END PRIVATE KEY-----";

  test("a secret is redacted by default when the prompt leaves the box (a :cloud model), observed when it stays", async () => {
    const { user, key } = await userWithKey();
    await env.DB.prepare("UPDATE users SET allow_cloud_models = 1 WHERE id = ?").bind(user.id).run();
    const ask = async (model: string) => {
      await resetSimulator();
      const response = await postJson("/api/generate", { model, stream: false, prompt: `deploy with ${pem}` }, bearer(key.secret));
      await response.text();
      return JSON.stringify((await simulatorLog()).requests.map((r) => r.body));
    };
    const cloud = await ask("gpt-oss:120b-cloud");
    expect(cloud).not.toContain("MC4CAQAwBQYDK2VwBCIE");
    expect(cloud).toMatch(/\[PRIVATE_KEY:[0-9a-f]{8}\]/);
    const local = await ask("llama3.2:latest");
    expect(local).toContain("MC4CAQAwBQYDK2VwBCIE");
  });
});
