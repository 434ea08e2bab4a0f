import { drizzle } from "drizzle-orm/d1";
import type { Bindings } from "../env";
import { guardVerdicts } from "../db/sensitive-schema";
import { admissionQueueName } from "../governance/admission-queue";
import { Breaker, disagrees, readVerdict, type GuardSettings } from "./guard-verdict";

/**
 * The shadow guard model (off by default). After an answer has ended, off the
 * response path, the exchange is classified by a guard model on the same
 * Ollama (Llama Guard 3, Granite Guardian — configured by name). It waits in
 * the fair GPU queue as the service account `system:guard` like any other
 * request, gets a hard timeout, and a breaker stops asking a guard that keeps
 * failing. The verdict is stored next to the regex findings; when the two
 * disagree the row is flagged for an admin to label. Never blocks anything.
 */

export interface GuardJob {
  requestId: string;
  userId: string | null;
  prompt: string;
  answer: string;
  regexFlagged: boolean;
}

const breaker = new Breaker();
const guardAccount = "system:guard";

export async function runGuard(env: Bindings, ollamaAddress: string, settings: GuardSettings, job: GuardJob): Promise<void> {
  if (!settings.model) return;
  const record = (verdict: typeof guardVerdicts.$inferInsert.verdict, categories: string[] = [], disagreement = false) =>
    drizzle(env.DB).insert(guardVerdicts).values({
      requestId: job.requestId, at: Date.now(), userId: job.userId, model: settings.model!, verdict,
      categories: categories.length > 0 ? categories.join(",") : null, regexFlagged: job.regexFlagged, disagreement,
    }).onConflictDoNothing();
  if (!breaker.allows()) return void (await record("skipped"));
  const queue = env.ADMISSION.get(env.ADMISSION.idFromName(admissionQueueName));
  const leaseId = `guard:${job.requestId}`;
  const entered = await queue.enter({ leaseId, userId: guardAccount, username: guardAccount, service: true });
  if (!entered.ok) return void (await record("skipped")); // the box is busy: users first
  try {
    const response = await env.OLLAMA.fetch(`http://${ollamaAddress}/api/chat`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: settings.model, stream: false, messages: [{ role: "user", content: job.prompt }, { role: "assistant", content: job.answer }] }),
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    const body = (await response.json().catch(() => null)) as { message?: { content?: unknown } } | null;
    const content = typeof body?.message?.content === "string" ? body.message.content : "";
    const verdict = response.ok ? readVerdict(content) : { verdict: "invalid" as const, categories: [] };
    breaker.record(response.ok && verdict.verdict !== "invalid");
    await record(response.ok ? verdict.verdict : "error", verdict.categories, disagrees(verdict, job.regexFlagged));
  } catch (error) {
    breaker.record(false);
    await record((error as Error)?.name === "TimeoutError" || (error as Error)?.name === "AbortError" ? "timeout" : "error");
  } finally {
    await queue.release(leaseId).catch(() => {});
  }
}
