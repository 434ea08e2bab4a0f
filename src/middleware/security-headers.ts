import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../env";

/**
 * The browser-facing security headers, on every response: console pages,
 * JSON APIs, errors and streamed inference answers alike (it only sets
 * headers after the handler, never touches the body, so a stream stays a
 * stream).
 *
 * The console is plain files from public/ with no inline script or style,
 * so the policy allows this origin only: no 'unsafe-inline', no
 * 'unsafe-eval', no CDN. Charts draw into <canvas>; uPlot's inline sizes
 * are set through the CSSOM (element.style), which style-src does not govern.
 */
export const contentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  const setHeaders = secureHeaders({
    contentSecurityPolicy,
    xFrameOptions: "DENY",
    xContentTypeOptions: "nosniff",
    referrerPolicy: "no-referrer",
    crossOriginOpenerPolicy: "same-origin",
    // HSTS belongs to whoever terminates TLS: Gatehouse itself usually serves plain
    // HTTP on the LAN, where a browser ignores the header, and includeSubDomains
    // set from here could pin sibling hosts of a shared domain to HTTPS.
    strictTransportSecurity: false,
  });
  return async function securityHeaders(c, next) {
    await setHeaders(c, async () => {
      await next();
      // A Response passed on from fetch() (ASSETS, a service binding) has immutable
      // headers. Re-wrapping it makes them writable; the body is handed on, not read.
      c.res = new Response(c.res.body, c.res);
    });
  };
}
