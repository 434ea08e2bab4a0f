import type { BackendKind } from "../backends/types";
import { GatehouseError } from "../errors";
import type { RouteSpec } from "../inference/route-table";

/**
 * How one request on one of Gatehouse's routes reaches a backend of a given
 * kind (issue 16): passed through when the backend speaks the route's
 * dialect, translated where it speaks another, refused (400 naming the kind)
 * where it cannot serve the route at all. The one entry point routing calls;
 * the translators themselves live beside this file.
 */

export interface BackendRequest {
  method: "GET" | "POST" | "DELETE" | "HEAD";
  /** Relative to the backend's base URL (src/backends/types.ts: Backend.url). Never the client's path. */
  path: string;
  /** JSON bytes to send. */
  body?: Uint8Array;
}

export interface BackendExchange {
  request: BackendRequest;
  /** Turns the backend's answer (streamed or not, success or error) into the route's own dialect. */
  answer(upstream: Response): Response;
}

const passThrough = (upstream: Response) => upstream;

/** The route's upstream path on an OpenAI-compatible server, whose base URL already ends in /v1. */
const openAiPaths: Record<string, string> = {
  "/v1/chat/completions": "/chat/completions",
  "/v1/completions": "/completions",
  "/v1/embeddings": "/embeddings",
  "/v1/models": "/models",
};

export function exchangeFor(route: Pick<RouteSpec, "method" | "upstreamPath" | "dialect">, kind: BackendKind, body: Uint8Array | undefined): BackendExchange {
  if (kind === "ollama") return { request: { method: route.method, path: route.upstreamPath, body }, answer: passThrough };
  if (kind === "openai" && openAiPaths[route.upstreamPath]) {
    return { request: { method: route.method, path: openAiPaths[route.upstreamPath]!, body }, answer: passThrough };
  }
  if (kind === "anthropic" && route.upstreamPath === "/v1/messages") return { request: { method: route.method, path: "/v1/messages", body }, answer: passThrough };
  throw new GatehouseError("invalid_request", { message: `A backend of kind "${kind}" cannot serve ${route.method} ${route.upstreamPath}.` });
}
