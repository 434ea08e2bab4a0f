/** Forwards every request to Ollama (wrangler dev only; npm start binds Ollama directly). */
export default {
  async fetch(request: Request, env: { OLLAMA_ORIGIN: string }): Promise<Response> {
    const url = new URL(request.url);
    return fetch(new Request(`${env.OLLAMA_ORIGIN}${url.pathname}${url.search}`, request));
  },
};
