import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient, personWithPassword } from "./helpers/accounts";
import { startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulator } from "./helpers/simulator-process";

/**
 * A whole run against `npm start` with planted personal data and secrets on
 * every inference dialect (the agents' /v1/messages and /v1/responses too),
 * streamed and not, with one category redacted and the rest observed, plus
 * requests a `block` policy refuses (their refusal records name the
 * categories); admins read records and export CSV. Afterwards no planted
 * value is in any file under the data dir nor in the output, and no client
 * address is stored (GATEHOUSE_OMIT_CLIENT_ADDRESS=1).
 */

const planted = {
  email: "leak.canary@example.net",
  card: "5555 5555 5555 4444",
  iban: "GB82WEST12345698765432",
  ssn: "078-05-1120",
  phone: "+49 30 90182044",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnktdXNlciJ9.c2lnbmF0dXJlLWNhbmFyeS0xMjM0NTY",
  github: "ghp_CanaryCanaryCanaryCanaryCanary123456",
  aws: "AKIACANARYCANARY1234",
};
const text = `Email ${planted.email}; card ${planted.card}; IBAN ${planted.iban}; SSN ${planted.ssn}; phone ${planted.phone}; token ${planted.jwt}; gh ${planted.github}; aws ${planted.aws}.`;
const forms = Object.values(planted).flatMap((v) => [v, v.replace(/\s/g, "")]);
const generous = { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null };

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("nothing sensitive is stored after a whole run", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;
  const ids: string[] = [];
  const statuses: number[] = [];
  const refused: { id: string; status: number }[] = [];
  const cloudAnswers: string[] = [];

  beforeAll(async () => {
    simulator = await startSimulator();
    gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_OMIT_CLIENT_ADDRESS: "1" } });
    admin = await AdminClient.signIn(gatehouse.url);
    const service = await admin.userWithKey("canary-pipeline", { limits: generous });
    await personWithPassword(admin, "canary-person", "canary-person-password-2026");
    await admin.json("PUT", "/admin/api/sensitive/policy", { scope: "global", actions: { email: "redact" } });
    // Toward a cloud model the secrets are redacted (the default) and the email too (global policy);
    // the simulator echoes the placeholders and the client gets its values back, cut across chunks or not.
    const cloudUser = await admin.userWithKey("canary-cloud", { limits: generous });
    await admin.json("PATCH", `/admin/api/users/${cloudUser.userId}`, { allowCloudModels: true });
    for (const [stream, charsPerChunk] of [[false, null], [true, null], [true, 4]] as const) {
      await fetch(`${simulator.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ charsPerChunk }) });
      const response = await fetch(`${gatehouse.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${cloudUser.secret}` },
        body: JSON.stringify({ model: "gpt-oss:120b-cloud", stream, messages: [{ role: "user", content: text }] }),
      });
      cloudAnswers.push(await response.text());
      ids.push(response.headers.get("X-Request-Id")!);
      statuses.push(response.status);
    }
    await fetch(`${simulator.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ charsPerChunk: null }) });
    const blocked = await admin.userWithKey("canary-blocked", { limits: generous });
    await admin.json("PUT", "/admin/api/sensitive/policy", { scope: "user", subject: blocked.userId, actions: { iban: "block", payment_card: "block" } });
    const send = (path: string, body: Record<string, unknown>, secret: string | null) =>
      fetch(`${gatehouse.url}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(secret ? { Authorization: `Bearer ${secret}` } : {}) },
        body: JSON.stringify(body),
      });
    const post = async (path: string, body: Record<string, unknown>, auth = true) => {
      const response = await send(path, body, auth ? service.secret : null);
      await response.arrayBuffer();
      statuses.push(response.status);
      ids.push(response.headers.get("X-Request-Id")!);
    };
    const model = "llama3.2:latest";
    for (const stream of [false, true]) {
      await post("/api/chat", { model, stream, messages: [{ role: "system", content: text }, { role: "user", content: text }, { role: "tool", content: text }] });
      await post("/api/generate", { model, stream, prompt: text, system: text });
      await post("/v1/chat/completions", { model, stream, messages: [{ role: "user", content: [{ type: "text", text }] }] });
      await post("/v1/completions", { model, stream, prompt: text });
      await post("/v1/messages", { model, stream, max_tokens: 400, system: text, messages: [{ role: "user", content: [{ type: "text", text }] }] });
      await post("/v1/responses", { model, stream, instructions: text, input: text });
      const refusal = await send("/v1/messages", { model, stream, max_tokens: 400, messages: [{ role: "user", content: text }] }, blocked.secret);
      await refusal.arrayBuffer();
      refused.push({ id: refusal.headers.get("X-Request-Id")!, status: refusal.status });
    }
    await post("/api/embed", { model, input: [text] });
    await post("/v1/embeddings", { model, input: text });
    await post("/chat", { auth: { username: "canary-person", password: "canary-person-password-2026" }, model, messages: [{ role: "user", content: text }] }, false);
    // Wait for every record to be finished, then read them the way admins do.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { events } = await admin.json<{ events: { id: string; finishedAt: string | null }[] }>("GET", "/admin/api/audit?limit=100");
      if (ids.every((id) => events.some((e) => e.id === id && e.finishedAt !== null)) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const id of ids.slice(0, 3)) await admin.json("GET", `/admin/api/audit/${id}?reason=canary+check`);
    const csv = await admin.call("GET", "/admin/api/audit.csv?reason=canary+export");
    (globalThis as { csvText?: string }).csvText = await csv.text();
    await new Promise((resolve) => setTimeout(resolve, 500)); // findings land in the settle hooks
  }, 120_000);

  afterAll(async () => {
    await gatehouse?.stop();
    await gatehouse?.cleanup();
    await simulator?.close();
  });

  test("every request went through (observe and redact never refuse)", () => {
    expect(statuses.every((s) => s === 200), JSON.stringify(statuses)).toBe(true);
    expect(ids.length).toBe(18);
  });

  test("toward the cloud the model saw placeholders and the client got its values back", async () => {
    const cloudBodies = JSON.stringify(simulator.state.requests.filter((r) => JSON.stringify(r.body).includes("-cloud")).map((r) => r.body));
    for (const value of [planted.email, planted.jwt, planted.github, planted.aws]) expect(cloudBodies).not.toContain(value);
    expect(cloudBodies).toMatch(/\[GITHUB_TOKEN:[0-9a-f]{8}\]/);
    expect(cloudAnswers).toHaveLength(3);
    for (const answer of cloudAnswers) {
      for (const value of [planted.email, planted.jwt, planted.github, planted.aws]) expect(answer).toContain(value);
      expect(answer).not.toMatch(/\[(?:EMAIL|JWT|GITHUB_TOKEN|AWS_KEY):[0-9a-f]{8}\]/);
    }
  });

  test("a request the policy blocks is refused with 422 and sealed as a refusal naming the categories", async () => {
    expect(refused.map((r) => r.status)).toEqual([422, 422]);
    const { events } = await admin.json<{ events: { id: string; kind: string; code: string; blockedCategories: string[] | null }[] }>("GET", "/admin/api/audit?limit=100");
    for (const { id } of refused) {
      expect(events.find((e) => e.id === id)).toMatchObject({ kind: "refusal", code: "sensitive_data_blocked", blockedCategories: ["iban", "payment_card"] });
    }
    expect((await admin.json<{ ok: boolean }>("GET", "/admin/api/audit/verify")).ok).toBe(true);
  });

  test("the model saw redacted emails and observed values; the records hold placeholders and findings", async () => {
    const seen = JSON.stringify(simulator.state.requests.map((r) => r.body));
    expect(seen).not.toContain(planted.email);
    expect(seen).toContain(planted.iban);
    const detail = await admin.json<{ event: { promptText: string } }>("GET", `/admin/api/audit/${ids[0]}?reason=canary+check`);
    expect(detail.event.promptText).toMatch(/\[IBAN:[0-9a-f]{8}\]/);
    const { findings } = await admin.json<{ findings: { category: string; location: string }[] }>("GET", `/admin/api/sensitive/findings/${ids[0]}`);
    expect(new Set(findings.map((f) => f.category))).toEqual(new Set(["email", "payment_card", "iban", "us_ssn", "phone", "jwt", "github_token", "aws_key"]));
    expect(findings.some((f) => f.location === "answer")).toBe(true);
  });

  test("no client address is stored with GATEHOUSE_OMIT_CLIENT_ADDRESS=1", async () => {
    const { events } = await admin.json<{ events: { clientAddress: string }[] }>("GET", "/admin/api/audit?limit=100");
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.clientAddress).toBe("omitted");
    const lines = gatehouse.stdout().split("\n").filter((l) => l.includes('"msg":"request"'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line).clientAddress).toBe("omitted");
  });

  test("no planted value in any file under the data dir, in the CSV export, or in the output", async () => {
    const csvText = (globalThis as { csvText?: string }).csvText ?? "";
    expect(csvText).toMatch(/\[PAYMENT_CARD:[0-9a-f]{8}\]/);
    await gatehouse.stop("SIGTERM");
    const files = await filesUnder(gatehouse.dataDir);
    expect(files.length).toBeGreaterThan(0);
    const hits: string[] = [];
    for (const file of files) {
      const bytes = await readFile(file);
      for (const form of forms) if (bytes.includes(Buffer.from(form, "utf8")) || bytes.includes(Buffer.from(form, "utf16le"))) hits.push(`${file}: ${form}`);
    }
    for (const form of forms) {
      if (csvText.includes(form)) hits.push(`csv: ${form}`);
      if (gatehouse.output().includes(form)) hits.push(`output: ${form}`);
    }
    expect(hits).toEqual([]);
  });
});
