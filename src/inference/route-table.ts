import type { z } from "zod";
import type { CeilingKind } from "./ceilings";
import {
  chatBody,
  copyBody,
  deleteBody,
  embedBody,
  embeddingsBody,
  generateBody,
  legacyChatBody,
  openAiChatBody,
  openAiCompletionBody,
  openAiEmbeddingsBody,
  pullBody,
  showBody,
} from "./schemas";
import { anthropicMessagesBody, responsesBody } from "./agent-schemas";

/**
 * The allowlist. Every route that can reach Ollama is a row here, with the
 * upstream path it maps to; a path that is not here is a 404 and never
 * forwarded. The upstream path is taken from this table, never from the
 * client's URL.
 *
 * Groups, which key scopes can allow or deny:
 * - inference: runs the model; admitted by the limiter and the GPU queue;
 * - metadata: lists and describes models; cheap, not queued;
 * - admin: model management; admins only.
 */
export type EndpointGroup = "inference" | "metadata" | "admin";
/** The wire format of a route's answer: which reader meters it (translators.ts, agent-readers.ts). */
export type Dialect = "ollama" | "openai" | "anthropic" | "responses";
/** Listings whose entries are filtered down to the models the caller may use. */
export type Listing = "tags" | "ps" | "openai-models";

export interface RouteSpec {
  method: "GET" | "POST" | "DELETE" | "HEAD";
  path: string;
  upstreamPath: string;
  group: EndpointGroup;
  dialect: Dialect;
  body?: z.ZodType;
  listing?: Listing;
  /** The original script API: auth in the body (stripped), default model, never streamed. */
  legacy?: boolean;
  /** Which GPU ceilings apply to the body (src/inference/ceilings.ts). */
  ceilings?: CeilingKind;
  /** The route can answer as a stream (its body's `stream` decides); the others never stream. */
  streams?: boolean;
}

export const routeTable: RouteSpec[] = [
  { method: "POST", path: "/api/chat", upstreamPath: "/api/chat", group: "inference", dialect: "ollama", body: chatBody, ceilings: "ollama-generate", streams: true },
  { method: "POST", path: "/api/generate", upstreamPath: "/api/generate", group: "inference", dialect: "ollama", body: generateBody, ceilings: "ollama-generate", streams: true },
  { method: "POST", path: "/api/embed", upstreamPath: "/api/embed", group: "inference", dialect: "ollama", body: embedBody, ceilings: "ollama-embed" },
  { method: "POST", path: "/api/embeddings", upstreamPath: "/api/embeddings", group: "inference", dialect: "ollama", body: embeddingsBody, ceilings: "ollama-embed" },
  { method: "POST", path: "/api/show", upstreamPath: "/api/show", group: "metadata", dialect: "ollama", body: showBody },
  { method: "GET", path: "/api/tags", upstreamPath: "/api/tags", group: "metadata", dialect: "ollama", listing: "tags" },
  { method: "GET", path: "/api/ps", upstreamPath: "/api/ps", group: "metadata", dialect: "ollama", listing: "ps" },
  { method: "GET", path: "/api/version", upstreamPath: "/api/version", group: "metadata", dialect: "ollama" },
  { method: "POST", path: "/api/pull", upstreamPath: "/api/pull", group: "admin", dialect: "ollama", body: pullBody, streams: true },
  { method: "POST", path: "/api/push", upstreamPath: "/api/push", group: "admin", dialect: "ollama", body: pullBody, streams: true },
  { method: "POST", path: "/api/create", upstreamPath: "/api/create", group: "admin", dialect: "ollama", body: pullBody, streams: true },
  { method: "POST", path: "/api/copy", upstreamPath: "/api/copy", group: "admin", dialect: "ollama", body: copyBody },
  { method: "DELETE", path: "/api/delete", upstreamPath: "/api/delete", group: "admin", dialect: "ollama", body: deleteBody },
  { method: "POST", path: "/v1/chat/completions", upstreamPath: "/v1/chat/completions", group: "inference", dialect: "openai", body: openAiChatBody, ceilings: "openai-chat", streams: true },
  { method: "POST", path: "/v1/completions", upstreamPath: "/v1/completions", group: "inference", dialect: "openai", body: openAiCompletionBody, ceilings: "openai-completion", streams: true },
  { method: "POST", path: "/v1/embeddings", upstreamPath: "/v1/embeddings", group: "inference", dialect: "openai", body: openAiEmbeddingsBody },
  { method: "POST", path: "/v1/responses", upstreamPath: "/v1/responses", group: "inference", dialect: "responses", body: responsesBody, ceilings: "responses", streams: true },
  { method: "POST", path: "/v1/messages", upstreamPath: "/v1/messages", group: "inference", dialect: "anthropic", body: anthropicMessagesBody, ceilings: "anthropic-messages", streams: true },
  { method: "POST", path: "/chat", upstreamPath: "/api/chat", group: "inference", dialect: "ollama", body: legacyChatBody, legacy: true, ceilings: "ollama-generate" },
  { method: "GET", path: "/v1/models", upstreamPath: "/v1/models", group: "metadata", dialect: "openai", listing: "openai-models" },
];

/** The model a body names, for policy and audit (`name` is /api/show's older spelling). */
export function modelOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const record = body as Record<string, unknown>;
  const name = record.model ?? record.name;
  return typeof name === "string" ? name : null;
}
