import { Hono } from "hono";
import type { AppEnv } from "./env";
import { consolePages } from "./control/console-pages";
import { health } from "./control/health";
import { ollamaRoutes } from "./inference/ollama-routes";
import { loadConfig } from "./middleware/load-config";
import { requestId } from "./middleware/request-id";
import { renderError } from "./middleware/render-error";
import { GatehouseError } from "./errors";

/**
 * The whole request pipeline, in order. Read top to bottom:
 *
 *   request-id -> config -> limits (size, time) -> [authenticate -> authorize
 *   -> admit -> audit "started"] -> forward -> stream back -> settle
 *
 * The bracketed steps are mounted per route group as they are built.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(loadConfig());

  app.get("/health", health);

  // Inference: the Ollama-native surface.
  app.route("/", ollamaRoutes());

  // The console: static pages from public/.
  app.get("*", consolePages);

  app.notFound(() => {
    // Never forwarded: only routes in the tables above reach Ollama.
    throw new GatehouseError("not_found");
  });
  app.onError(renderError);
  return app;
}
