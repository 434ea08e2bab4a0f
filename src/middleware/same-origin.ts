import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { servedOverHttps, socketAddressOf } from "../auth/client-address";
import { sessionTokenFrom } from "../auth/sessions";

/**
 * CSRF defence for the control plane. A state change (any method but GET,
 * HEAD, OPTIONS) that carries the session cookie must come from our own
 * pages: `Sec-Fetch-Site: same-origin`, or an `Origin` equal to ours (403
 * otherwise), with `Content-Type: application/json` (415 otherwise; a
 * cross-site form cannot send that without a CORS preflight we never grant).
 * Without the cookie (curl signing in, a script with a Bearer key) nothing
 * is required, but a browser that says the request is cross-site is still
 * refused, so a foreign page cannot sign a visitor in as someone else.
 */
const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export function sameOrigin(): MiddlewareHandler<AppEnv> {
  return async function sameOrigin(c, next) {
    if (safeMethods.has(c.req.method)) return next();
    const fetchSite = c.req.header("Sec-Fetch-Site");
    const origin = c.req.header("Origin");
    const hasCookie = sessionTokenFrom(c.req.header("Cookie")) !== null;
    const viaHeaderCredential = c.req.header("Authorization") !== undefined;
    if (hasCookie && !viaHeaderCredential) {
      if (!isSameOrigin(c, fetchSite, origin)) throw crossSite();
      if (!/^application\/json\s*(;|$)/i.test(c.req.header("Content-Type") ?? "")) throw new GatehouseError("unsupported_media_type");
    } else if ((fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none") || (origin !== undefined && origin !== ownOrigin(c))) {
      throw crossSite();
    }
    await next();
  };
}

/**
 * For a GET with a side effect — the CSV exports that mark a user as exported,
 * which relaxes the rule on deleting them: a cookie-authenticated request must
 * be same-origin (the console's download links are), so a foreign page cannot
 * make an admin's browser fetch it. Bearer-authenticated scripts are unaffected.
 */
export function sameOriginRead(): MiddlewareHandler<AppEnv> {
  return async function sameOriginRead(c, next) {
    const hasCookie = sessionTokenFrom(c.req.header("Cookie")) !== null;
    if (hasCookie && c.req.header("Authorization") === undefined && !isSameOrigin(c, c.req.header("Sec-Fetch-Site"), c.req.header("Origin"))) {
      throw crossSite();
    }
    await next();
  };
}

function crossSite(): GatehouseError {
  return new GatehouseError("forbidden", { message: "Cross-site requests are not allowed here." });
}

function isSameOrigin(c: Context<AppEnv>, fetchSite: string | undefined, origin: string | undefined): boolean {
  // Sec-Fetch-Site cannot be set by page scripts; when a browser sends it, it decides.
  if (fetchSite !== undefined) return fetchSite === "same-origin";
  return origin !== undefined && origin === ownOrigin(c);
}

/** Our origin as the browser sees it (a trusted TLS proxy in front makes it https). */
function ownOrigin(c: Context<AppEnv>): string {
  const url = new URL(c.req.url);
  const https = servedOverHttps(c.req.url, c.req.header("X-Forwarded-Proto"), socketAddressOf(c.req.raw), c.var.config.GATEHOUSE_TRUSTED_PROXIES);
  return `${https ? "https" : url.protocol.replace(":", "")}://${url.host}`;
}
