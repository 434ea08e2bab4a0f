import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { validated } from "../middleware/validate";
import { callOllama } from "./upstream";

export interface ForwardSpec {
  method: "GET" | "POST" | "DELETE";
  /** The upstream path, taken from the route table. */
  path: string;
  schema?: z.ZodType | undefined;
}

/** Response headers worth passing back; everything else from upstream is dropped. */
const passedHeaders = ["Content-Type"];

/**
 * Validates the body, calls Ollama and streams its answer back as it arrives:
 * the upstream body is handed to the client unbuffered, so NDJSON chunks and
 * a client's disconnect flow through workerd untouched.
 */
export async function forward(c: Context<AppEnv>, spec: ForwardSpec): Promise<Response> {
  const body = spec.schema ? validated(spec.schema, c.var.jsonBody) : undefined;
  const config = c.var.config;
  const upstream = await callOllama(
    { ollama: c.env.OLLAMA, address: config.GATEHOUSE_OLLAMA, firstByteTimeoutMs: config.GATEHOUSE_FIRST_BYTE_TIMEOUT * 1000 },
    { method: spec.method, path: spec.path, body, signal: c.req.raw.signal },
  );
  const headers = new Headers();
  for (const name of passedHeaders) {
    const value = upstream.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  headers.set("X-Request-Id", c.var.requestId);
  return new Response(upstream.body, { status: upstream.status, headers });
}
