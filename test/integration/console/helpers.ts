import { expect } from "vitest";
import { gateway, postJson } from "../helpers/gateway";
import { ledger, started } from "../audit/helpers";
import type { SealedEvent } from "../../../src/audit/canonical";
import type { EventCompletion } from "../../../src/db/audit-events";
import { seedKey, seedUser, type SeedOptions } from "../identity/helpers";

/** Accounts, requests and audit records for the console's stats and usage tests. */

export const generous = JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models: null });

export interface Person {
  id: string;
  username: string;
  secret: string;
}

export async function person(options: SeedOptions = {}): Promise<Person> {
  const user = await seedUser({ limits: generous, ...options });
  return { id: user.id, username: user.username, secret: (await seedKey(user.id)).secret };
}

export interface Answer {
  status: number;
  requestId: string;
  promptTokens: number;
  completionTokens: number;
}

/** One non-streamed chat through the gateway; the token counts are the simulator's final chunk. */
export async function ask(secret: string, model: string, content = "one two three", headers: Record<string, string> = {}): Promise<Answer> {
  const response = await postJson("/api/chat", { model, messages: [{ role: "user", content }], stream: false }, { Authorization: `Bearer ${secret}`, ...headers });
  const body = await response.json<{ prompt_eval_count?: number; eval_count?: number }>();
  return {
    status: response.status,
    requestId: response.headers.get("x-request-id")!,
    promptTokens: body.prompt_eval_count ?? 0,
    completionTokens: body.eval_count ?? 0,
  };
}

/** One streamed chat, read to the end; the tokens come from the last NDJSON line (done: true). */
export async function askStreamed(secret: string, model: string, content: string): Promise<Answer> {
  const response = await postJson("/api/chat", { model, messages: [{ role: "user", content }] }, { Authorization: `Bearer ${secret}` });
  const lines = (await response.text()).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const last = lines.at(-1)!;
  expect(last.done).toBe(true);
  return {
    status: response.status,
    requestId: response.headers.get("x-request-id")!,
    promptTokens: Number(last.prompt_eval_count),
    completionTokens: Number(last.eval_count),
  };
}

export function getJson(secret: string, path: string): Promise<Response> {
  return gateway(path, { headers: { Authorization: `Bearer ${secret}` } });
}

/** An audit record at a time of our choosing, written through the ledger as the recorder would. */
export async function recorded(event: Partial<SealedEvent>, completion: Partial<EventCompletion> | null): Promise<SealedEvent> {
  const record = started({ captureMode: "metadata", ...event });
  await ledger().begin(record, null);
  if (completion) {
    const done: EventCompletion = {
      status: 200, outcome: "ok", code: null, latencyMs: 10, ttfbMs: 1, promptTokens: 0, completionTokens: 0,
      bytesOut: 0, responseSha256: null, responseBytes: null, finishedAt: record.startedAt + (completion.latencyMs ?? 10), ...completion,
    };
    expect(await ledger().complete(record.id, done, null)).toBe(true);
  }
  return record;
}

/** An unauthenticated refusal bucket (kind 'refusals'), counted `times` times. */
export async function refusedUnknown(startedAt: number, times: number, endpoint = "/api/chat"): Promise<void> {
  const minute = Math.floor(startedAt / 60_000) * 60_000;
  const address = `10.99.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const bucket = started({
    id: `refusals:${address}:unauthenticated:${minute}:${crypto.randomUUID()}`, kind: "refusals", startedAt: minute, userId: null, keyId: null,
    clientAddress: address, endpoint, model: null, stream: false, captureMode: "metadata", status: 401, outcome: "denied", code: "unauthenticated",
    finishedAt: minute + 60_000,
  });
  for (let i = 0; i < times; i++) await ledger().flood(bucket);
}
