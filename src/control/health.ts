import type { Context } from "hono";
import type { AppEnv } from "../env";
import { auditLedger } from "../audit/ledger";
import { engineCloud } from "../inference/engine-facts";
import { probeOllama } from "../inference/upstream";
import { version } from "../version";

/**
 * GET /health: no credentials, says whether Gatehouse and Ollama answer, and
 * whether the audit chain still holds ("broken" once the ledger found D1
 * rolled back or rewritten; details only to admins, in verify).
 */
export async function health(c: Context<AppEnv>): Promise<Response> {
  const config = c.var.config;
  const [up, audit] = await Promise.all([
    probeOllama({ ollama: c.env.OLLAMA, address: config.GATEHOUSE_OLLAMA }, config.GATEHOUSE_CONNECT_TIMEOUT * 1000),
    auditLedger(c.env)
      .integrity()
      .then((broken) => (broken ? "broken" : "ok"))
      .catch(() => "unavailable"),
  ]);
  // Ollama's cloud switch (GET /api/status): "enabled" means a `:cloud` model or a web tool can leave the box.
  const cloud = up ? await engineCloud({ ollama: c.env.OLLAMA, address: config.GATEHOUSE_OLLAMA, timeoutMs: config.GATEHOUSE_CONNECT_TIMEOUT * 1000 }) : "unknown";
  // workerd sends no Date header of its own; `gatehouse doctor` compares its clock with this one.
  c.header("Date", new Date().toUTCString());
  return c.json({ status: up && audit === "ok" ? "ok" : "degraded", upstream: { ollama: up ? "up" : "down", ollamaCloud: cloud }, audit, version });
}
