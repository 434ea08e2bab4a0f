/**
 * The console's static files under production workerd: the `ASSETS` binding
 * the gateway's console-pages route calls (src/control/console-pages.ts).
 * `npm run dev` and the tests use wrangler's assets service instead; this
 * keeps what the gateway relies on from it, and nothing more:
 *
 * - clean URLs as its default html_handling ("auto-trailing-slash") gives
 *   them: /account serves account.html, /account.html redirects (307) to
 *   /account, / serves index.html and /index.html redirects to /;
 * - a Content-Type from the file's extension (workerd's disk service sends
 *   every file as application/octet-stream) and revalidation caching
 *   (ETag from size and modification time, 304 on If-None-Match);
 * - 404 for anything else: no directory listing, no dotfile, GET and HEAD only.
 *
 * FILES is a read-only workerd `disk` service on public/. Only the gateway
 * worker can reach this one; no socket serves it.
 */

interface Env {
  FILES: Fetcher;
}

const types: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  webp: "image/webp",
  woff2: "font/woff2",
};

const notFound = (): Response => new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
const redirect = (location: string): Response => new Response(null, { status: 307, headers: { Location: location } });

/** The file at `path` (no directory, no listing), or null. */
async function file(env: Env, path: string, method: string): Promise<Response | null> {
  const response = await env.FILES.fetch(`http://files${path}`, { method });
  if (!response.ok || response.headers.get("Content-Type") === "application/json") {
    await response.body?.cancel();
    return null;
  }
  return response;
}

async function serve(env: Env, request: Request, path: string, found: Response): Promise<Response> {
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? "";
  const headers = new Headers({ "Content-Type": types[extension] ?? "application/octet-stream", "Cache-Control": "public, max-age=0, must-revalidate" });
  const length = found.headers.get("Content-Length");
  if (length !== null) headers.set("Content-Length", length);
  const tag = `W/"${length ?? ""}-${found.headers.get("Last-Modified") ?? ""}"`;
  headers.set("ETag", tag);
  if (request.headers.get("If-None-Match") === tag) {
    await found.body?.cancel();
    return new Response(null, { status: 304, headers });
  }
  return new Response(request.method === "HEAD" ? null : found.body, { status: 200, headers });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") return notFound();
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url).pathname);
    } catch {
      return notFound();
    }
    // No dotfile, no parent, no backslash or NUL: the disk service refuses them too; this says 404 first.
    if (path.split("/").some((part) => part.startsWith(".")) || /[\\\0]/.test(path)) return notFound();
    if (path.endsWith("/index.html")) return (await file(env, path, "HEAD")) ? redirect(path.slice(0, -"index.html".length)) : notFound();
    if (path.endsWith(".html")) return (await file(env, path, "HEAD")) ? redirect(path.slice(0, -".html".length)) : notFound();
    if (path.endsWith("/")) {
      const index = await file(env, `${path}index.html`, request.method);
      if (index) return serve(env, request, `${path}index.html`, index);
      if (path.length > 1 && (await file(env, `${path.slice(0, -1)}.html`, "HEAD"))) return redirect(path.slice(0, -1));
      return notFound();
    }
    const exact = await file(env, path, request.method);
    if (exact) return serve(env, request, path, exact);
    const page = await file(env, `${path}.html`, request.method);
    if (page) return serve(env, request, `${path}.html`, page);
    if (await file(env, `${path}/index.html`, "HEAD")) return redirect(`${path}/`);
    return notFound();
  },
} satisfies ExportedHandler<Env>;
