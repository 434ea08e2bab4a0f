import { beforeEach, describe, expect, test } from "vitest";
import { postJson } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { asKey, seedKey, seedUser } from "../identity/helpers";
import { rowOf, verifyNow } from "../audit/helpers";
import { errorOf } from "../../helpers/error-shape";
import { clearPolicies, everyCell, forwardedBodies, planted, plantedForms, plantedText, readableContentOf, setPolicy, settled, userWithKey } from "./helpers";

/**
 * Each policy on the agents' dialects — Anthropic's /v1/messages and
 * OpenAI's /v1/responses — streamed and not: observe forwards and records,
 * redact forwards placeholders, block answers 422 in the route's own error
 * shape with nothing forwarded and a refusal record in the chain naming the
 * categories. The answer is scanned there too. No planted value is stored.
 */

beforeEach(async () => {
  await resetSimulator();
  await clearPolicies();
});

const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
const model = "llama3.2:latest";

const dialects = [
  {
    name: "anthropic messages",
    path: "/v1/messages",
    // The prompt in the system field, a content block and a tool result: every text field is screened.
    body: (text: string, stream: boolean) => ({
      model, stream, max_tokens: 300, system: `sys ${text}`,
      messages: [
        { role: "user", content: [{ type: "text", text: "look" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "lookup", input: { q: "x" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: `tool said ${text}` }, { type: "text", text }] },
      ],
    }),
    errorType: "invalid_request_error",
    textFields: 3,
  },
  {
    name: "responses",
    path: "/v1/responses",
    body: (text: string, stream: boolean) => ({ model, stream, instructions: `sys ${text}`, input: [{ role: "user", content: [{ type: "input_text", text }] }] }),
    errorType: "invalid_request_error",
    textFields: 2,
  },
] as const;


describe.each(dialects)("$name", (dialect) => {
  test.each([false, true])("observe (default): forwarded as sent, findings of prompt and answer recorded, stored redacted (stream %s)", async (stream) => {
    const { key } = await userWithKey();
    const response = await postJson(dialect.path, dialect.body(plantedText, stream), bearer(key.secret));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(planted.aws); // the simulator echoes the last user text
    const id = response.headers.get("x-request-id")!;
    const { findings } = await settled(id);
    expect(await forwardedBodies()).toContain(planted.email);
    const prompt = findings.filter((f) => f.location === "prompt");
    expect(new Set(prompt.map((f) => f.category))).toEqual(new Set(["email", "payment_card", "iban", "phone", "aws_key"]));
    expect(prompt.every((f) => f.action === "observe")).toBe(true);
    // The answer is scanned too: the echoed values are findings of the answer.
    const answer = findings.filter((f) => f.location === "answer");
    expect(answer.map((f) => f.category)).toContain("aws_key");
    const stored = (await readableContentOf([id])).get(id)!;
    expect(stored.prompt).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    expect(stored.response ?? "").toMatch(/\[AWS_KEY:[0-9a-f]{8}\]/);
    for (const value of plantedForms()) {
      expect(stored.prompt).not.toContain(value);
      expect(stored.response ?? "").not.toContain(value);
    }
  });

  test.each([false, true])("redact: the model sees placeholders in every text field (stream %s)", async (stream) => {
    const { key } = await userWithKey();
    await setPolicy("global", "", "email", "redact");
    await setPolicy("global", "", "iban", "redact");
    const response = await postJson(dialect.path, dialect.body(plantedText, stream), bearer(key.secret));
    expect(response.status).toBe(200);
    const answer = await response.text();
    const seen = await forwardedBodies();
    expect(seen).not.toContain(planted.email);
    expect(seen).not.toContain(planted.iban);
    expect(seen).toContain(planted.card); // observed: as sent
    expect(seen.match(/\[EMAIL:[0-9a-f]{8}\]/g)?.length).toBe(dialect.textFields); // system, tool result, user text / instructions, input
    expect(answer).not.toContain(planted.email); // local model: no placeholder is restored
    const { findings } = await settled(response.headers.get("x-request-id")!);
    expect(findings.find((f) => f.category === "email" && f.location === "prompt")?.action).toBe("redact");
  });

  test.each([false, true])("block: 422 naming the category in the route's shape, nothing forwarded, a refusal record naming it (stream %s)", async (stream) => {
    const { user, key } = await userWithKey();
    await setPolicy("key", key.id, "iban", "block");
    await setPolicy("key", key.id, "payment_card", "block");
    const response = await postJson(dialect.path, dialect.body(plantedText, stream), bearer(key.secret));
    expect(response.status).toBe(422);
    const text = await response.text();
    const body = JSON.parse(text) as { type?: string; error: { type: string } };
    const error = errorOf(body);
    expect(error.code ?? body.error.type).toBeTruthy();
    expect(body.error.type).toBe(dialect.errorType);
    expect(error.message).toContain("iban");
    expect(error.message).toContain("payment_card");
    for (const value of plantedForms()) expect(text).not.toContain(value);
    expect((await simulatorLog()).requests).toHaveLength(0);
    const id = response.headers.get("x-request-id")!;
    const { findings } = await settled(id, false);
    expect(findings.find((f) => f.category === "iban")?.action).toBe("block");
    // The refusal is on the record, in the chain, with the categories and without the values.
    let row: Record<string, unknown> | null = null;
    for (let i = 0; i < 200 && !(row = await rowOf(id)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(row).toMatchObject({ kind: "refusal", status: 422, code: "sensitive_data_blocked", user_id: user.id, key_id: key.id, blocked_categories: "iban,payment_card" });
    expect(row!.sealed_seq).not.toBeNull();
    expect((await verifyNow()).ok).toBe(true);
    const cells = await everyCell();
    for (const value of plantedForms()) expect(cells).not.toContain(value);
  });
});

test("the refusal record is shown to admins with its categories", async () => {
  const admin = await seedUser({ role: "admin" });
  const adminKey = await seedKey(admin.id);
  const { key } = await userWithKey();
  await setPolicy("global", "", "us_ssn", "block");
  const response = await postJson("/v1/messages", { model, max_tokens: 10, messages: [{ role: "user", content: "my ssn is 078-05-1120" }] }, bearer(key.secret));
  expect(response.status).toBe(422);
  await response.text();
  const id = response.headers.get("x-request-id")!;
  for (let i = 0; i < 200 && !(await rowOf(id)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const { events } = await (await asKey(adminKey.secret, "GET", "/admin/api/audit?limit=20")).json<{ events: { id: string; code: string; blockedCategories: string[] | null }[] }>();
  expect(events.find((e) => e.id === id)).toMatchObject({ code: "sensitive_data_blocked", blockedCategories: ["us_ssn"] });
  expect(JSON.stringify(events)).not.toContain("078-05-1120");
});
