import type { BackendKind } from "../backends/types";
import { GatehouseError } from "../errors";
import type { RouteSpec } from "../inference/route-table";
import { errorAnswer } from "./answer-errors";
import { anthropicVersion, chatExchange, sources, targets, type ChatFacts, type ChatSource } from "./chat-exchange";
import { encodeJson, parseBody, parseJsonText, isRecord, type Json } from "./fields";
import { embedAnswer, embeddingsAnswer, embedRequest, embeddingsRequest } from "./embeddings";
import { generateTarget, wantsRawCompletion } from "./generate-completions";
import { openAiListing, openAiModel, tagsListing } from "./listings";
import { translateWhole } from "./streams";

/**
 * How one request on one of Gatehouse's routes reaches a backend of a given
 * kind (issue 16): passed through when the backend speaks the route's
 * dialect, translated where it speaks another, refused (400 in the route's
 * dialect, naming the kind) where it cannot serve the route at all. The one
 * entry point routing calls; the translators live beside this file, one job
 * each (read-*-request, write-*-request, read-*-answer, write-*-answer).
 */

export interface BackendRequest {
  method: "GET" | "POST" | "DELETE" | "HEAD";
  /** Relative to the backend's base URL (src/backends/types.ts: Backend.url). Never the client's path. */
  path: string;
  /** JSON bytes to send. */
  body?: Uint8Array;
  /**
   * Protocol headers the backend's dialect needs (`anthropic-version` for
   * Anthropic). Never a credential: routing injects that per backend.
   */
  headers?: Record<string, string>;
}

export interface BackendExchange {
  request: BackendRequest;
  /**
   * Turns the backend's answer (streamed or not, success or error) into the
   * route's own dialect, chunk by chunk for a stream. Cancelling the body it
   * returns cancels the backend's body.
   */
  answer(upstream: Response): Response;
}

/**
 * What routing knows that the body may not say.
 * - model: the name the backend serves (alias resolved, `backend/` prefix
 *   removed). Translated bodies name it; a body passed through goes as given
 *   (routing edits its bytes itself, as for aliases).
 * - maxTokens: the output limit the pipeline settled on (c.var.outputLimit),
 *   for a backend that requires one (Anthropic's max_tokens) when the body
 *   carries none.
 */
export type ExchangeFacts = ChatFacts;

type Route = Pick<RouteSpec, "method" | "upstreamPath" | "dialect">;

/** The route's upstream path on an OpenAI-compatible server, whose base URL already ends in /v1. */
const openAiPaths: Record<string, string> = {
  "/v1/chat/completions": "/chat/completions",
  "/v1/completions": "/completions",
  "/v1/embeddings": "/embeddings",
  "/v1/models": "/models",
};

/** Routes translated as chats, and how their bodies are read. */
const chatSources: Record<string, ChatSource> = {
  "/api/chat": sources.ollamaChat,
  "/api/generate": sources.ollamaGenerate,
  "/v1/chat/completions": sources.openAiChat,
  "/v1/messages": sources.anthropic,
};

export function exchangeFor(route: Route, kind: BackendKind, body: Uint8Array | undefined, facts: ExchangeFacts = {}): BackendExchange {
  if (kind === "ollama") return { request: { method: route.method, path: route.upstreamPath, body }, answer: (upstream) => upstream };
  const path = route.upstreamPath;
  let parsed: Json | undefined;
  const json = () => (parsed ??= parseBody(body));
  const guarded = (upstream: Response) => (upstream.ok ? upstream : errorAnswer(upstream, route.dialect, kind));
  // One model (GET /v1/models/:id): the caller puts the id, percent-encoded, in the path.
  const oneModel = route.method === "GET" && path.startsWith("/v1/models/") ? path.slice("/v1/models".length) : null;
  if (kind === "openai") {
    if (oneModel) return { request: { method: "GET", path: `/models${oneModel}` }, answer: guarded };
    if (openAiPaths[path]) return { request: { method: route.method, path: openAiPaths[path]!, body }, answer: guarded };
    if (path === "/v1/responses") return { request: { method: "POST", path: "/responses", body }, answer: responsesAnswer };
    if (path === "/api/embed" || path === "/api/embeddings") return embeddingExchange(path, json(), facts);
    if (path === "/api/tags") return listingExchange("/models", route, kind, tagsListing);
    if (path === "/api/generate" && wantsRawCompletion(json())) return chatExchange(sources.ollamaGenerate, generateTarget(json()), json(), facts);
    if (chatSources[path] && path !== "/v1/chat/completions") return chatExchange(chatSources[path], targets.openai, json(), facts);
  }
  if (kind === "anthropic") {
    const headers = { "anthropic-version": anthropicVersion };
    if (path === "/v1/messages") return { request: { method: "POST", path, body, headers }, answer: guarded };
    if (path === "/api/tags") return listingExchange("/v1/models", route, kind, tagsListing, headers);
    if (path === "/v1/models") return listingExchange("/v1/models", route, kind, (answer) => openAiListing(answer, "anthropic"), headers);
    if (oneModel) return listingExchange(`/v1/models${oneModel}`, route, kind, (answer) => openAiModel(answer, "anthropic"), headers);
    if (path === "/api/generate" && wantsRawCompletion(json())) throw cannot(kind, route, "a raw prompt or a suffix needs a text-completion endpoint");
    if (chatSources[path]) return chatExchange(chatSources[path], targets.anthropic, json(), facts);
  }
  throw cannot(kind, route, whatItIs(path));
}

function cannot(kind: BackendKind, route: Route, what: string): GatehouseError {
  return new GatehouseError("invalid_request", { message: `A backend of kind "${kind}" cannot serve ${route.method} ${route.upstreamPath} (${what}).` });
}

function whatItIs(path: string): string {
  if (path.includes("embed")) return "embeddings";
  if (path === "/v1/responses") return "the Responses API";
  if (path === "/v1/completions") return "text completions";
  if (["/api/show", "/api/ps", "/api/version"].includes(path)) return "Ollama's model details";
  return "Ollama's model management";
}

/**
 * /v1/responses goes to an OpenAI-compatible backend as it is: OpenAI and
 * vLLM serve it. An engine without it answers 404 (llama.cpp's server, most
 * others); that becomes the 400 naming the kind, as for any route a kind
 * cannot serve, with what the engine said (a real server's "no such model"
 * stays readable).
 */
function responsesAnswer(upstream: Response): Response {
  if (upstream.status !== 404) return upstream.ok ? upstream : errorAnswer(upstream, "responses", "openai");
  return errorAnswer(upstream, "responses", "openai", {
    status: 400,
    message: (said) => `A backend of kind "openai" cannot serve POST /v1/responses (the engine answered 404: ${said}).`,
  });
}

function embeddingExchange(path: string, body: Json, facts: ExchangeFacts): BackendExchange {
  const model = facts.model ?? (typeof body.model === "string" ? body.model : "");
  const single = path === "/api/embeddings";
  const sent = single ? embeddingsRequest(body, model) : embedRequest(body, model);
  return {
    request: { method: "POST", path: "/embeddings", body: encodeJson(sent) },
    answer(upstream) {
      if (!upstream.ok) return errorAnswer(upstream, "ollama", "openai");
      const map = (text: string) => {
        const parsed = parseJsonText(text);
        const answer = isRecord(parsed) ? parsed : {};
        return JSON.stringify(single ? embeddingsAnswer(answer) : embedAnswer(answer, model));
      };
      return new Response(translateWhole(upstream.body, map), { status: upstream.status, headers: { "Content-Type": "application/json; charset=utf-8" } });
    },
  };
}

function listingExchange(path: string, route: Route, kind: BackendKind, shape: (answer: Json) => Json, headers?: Record<string, string>): BackendExchange {
  return {
    request: { method: "GET", path, ...(headers ? { headers } : {}) },
    answer(upstream) {
      if (!upstream.ok) return errorAnswer(upstream, route.dialect, kind);
      const map = (text: string) => {
        const parsed = parseJsonText(text);
        return JSON.stringify(shape(isRecord(parsed) ? parsed : {}));
      };
      return new Response(translateWhole(upstream.body, map), { status: upstream.status, headers: { "Content-Type": "application/json; charset=utf-8" } });
    },
  };
}
