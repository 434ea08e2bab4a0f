import { WorkerEntrypoint } from "cloudflare:workers";

/** Forwards every request to Ollama (wrangler dev only; npm start binds Ollama directly). */
export default {
  async fetch(request: Request, env: { OLLAMA_ORIGIN: string }): Promise<Response> {
    const url = new URL(request.url);
    return fetch(new Request(`${env.OLLAMA_ORIGIN}${url.pathname}${url.search}`, request));
  },
};

/** The gateway's ENGINES binding under wrangler dev: the request goes where the catalog's URL says (npm start uses a workerd network service). */
export class Engines extends WorkerEntrypoint {
  override async fetch(request: Request): Promise<Response> {
    return fetch(request);
  }
}
