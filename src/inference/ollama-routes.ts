import { Hono } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { jsonBody } from "../middleware/json-body";
import { forward } from "./forward";
import { chatBody, generateBody } from "./schemas";

/**
 * The Ollama-native surface. Each route names its own upstream path: the
 * table below is the allowlist, and nothing else under /api/ is forwarded.
 */
interface NativeRoute {
  method: "GET" | "POST";
  path: string;
  body?: z.ZodType;
}

const nativeRoutes: NativeRoute[] = [
  { method: "POST", path: "/api/chat", body: chatBody },
  { method: "POST", path: "/api/generate", body: generateBody },
  { method: "GET", path: "/api/tags" },
];

export function ollamaRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  for (const route of nativeRoutes) {
    if (route.method === "POST") {
      routes.post(route.path, jsonBody({ acceptCurlDefault: true }), (c) => forward(c, { method: "POST", path: route.path, schema: route.body }));
    } else {
      routes.get(route.path, (c) => forward(c, { method: "GET", path: route.path }));
    }
  }
  return routes;
}
