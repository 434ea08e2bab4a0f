import { z } from "zod";
import { CliError } from "./errors";

/**
 * The admin API as the CLI sees it: a base URL and an admin's API key from
 * the environment, one error vocabulary mapped to messages a person can act
 * on. The key goes into the Authorization header and nowhere else: it is
 * never printed, never part of an error message.
 */

export const defaultGatewayUrl = "http://127.0.0.1:7000";

/** The gateway's one error shape (../shared/API.md "Errors"). */
const errorBody = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional(), request_id: z.string().optional() }),
});

export interface ApiClientOptions {
  baseUrl: string;
  adminKey: string | undefined;
}

export function gatewayUrlFrom(env: NodeJS.ProcessEnv): string {
  const raw = env.GATEHOUSE_URL?.trim() || defaultGatewayUrl;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`GATEHOUSE_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError("GATEHOUSE_URL must start with http:// or https://");
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** What the network said when it refused to connect, e.g. ECONNREFUSED; never the request itself. */
export function networkReason(error: unknown): string {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cause = cause.cause;
  }
  return error instanceof Error && error.name === "TimeoutError" ? "timed out" : "connection failed";
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  static fromEnv(env: NodeJS.ProcessEnv): ApiClient {
    return new ApiClient({ baseUrl: gatewayUrlFrom(env), adminKey: env.GATEHOUSE_ADMIN_KEY?.trim() || undefined });
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** The raw response of an authenticated request; any non-2xx answer becomes a CliError. */
  async request(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Response> {
    const key = this.options.adminKey;
    if (!key) throw new CliError("set GATEHOUSE_ADMIN_KEY to an API key of an admin account");
    const headers: Record<string, string> = { Authorization: `Bearer ${key}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new CliError(`cannot reach the gateway at ${this.baseUrl} (${networkReason(error)}); is it running? (GATEHOUSE_URL)`);
    }
    if (!response.ok) throw await apiError(response);
    return response;
  }

  /** An authenticated request whose JSON answer must match `schema`. */
  async json<S extends z.ZodType>(schema: S, method: string, path: string, body?: unknown): Promise<z.infer<S>> {
    const response = await this.request(method, path, body);
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new CliError(`unexpected answer from ${method} ${path}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    return parsed.data;
  }
}

/** A non-2xx answer as a message that says what to do about it. */
export async function apiError(response: Response): Promise<CliError> {
  const parsed = errorBody.safeParse(await response.json().catch(() => undefined));
  const code = parsed.success ? parsed.data.error.code : undefined;
  const message = parsed.success ? parsed.data.error.message : undefined;
  const detail = [code, message].filter(Boolean).join(": ");
  switch (response.status) {
    case 401:
      return new CliError("the gateway refused the admin key (401): check GATEHOUSE_ADMIN_KEY (revoked, expired or mistyped?)");
    case 403:
      return new CliError(`not allowed (403${detail ? ` ${detail}` : ""}): GATEHOUSE_ADMIN_KEY must belong to an active admin, without a scope that excludes the admin API`);
    case 404:
      return new CliError(`not found (404)${message ? `: ${message}` : ""}`);
    default:
      return new CliError(`the gateway answered ${response.status}${detail ? ` ${detail}` : ""}`);
  }
}
