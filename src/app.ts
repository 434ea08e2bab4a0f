import { Hono } from "hono";
import type { AppEnv } from "./env";
import { consolePages } from "./control/console-pages";
import { health } from "./control/health";
import { GatehouseError } from "./errors";
import { inspectRequest } from "./inference/inspect";
import { inferenceRoutes } from "./inference/routes";
import { openExchange } from "./middleware/exchange";
import { jsonBody } from "./middleware/json-body";
import { loadConfig } from "./middleware/load-config";
import { renderError } from "./middleware/render-error";
import { requestId } from "./middleware/request-id";

/**
 * The whole request pipeline, in order. Read top to bottom.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(requestId()); //                  every response carries X-Request-Id
  app.use(loadConfig()); //                 settings parsed once; a bad one fails closed

  app.get("/health", health);

  // Inference: every route in src/inference/route-table.ts, each through these steps.
  app.route(
    "/",
    inferenceRoutes((route) => [
      openExchange(), //                    settle hooks run exactly once, whatever happens
      ...(route.body ? [jsonBody({ acceptCurlDefault: true })] : []), // size, time, media type
      inspectRequest(route), //             schema, model policy, GPU ceilings
    ]),
  );

  // The console: static pages from public/.
  app.get("*", consolePages);

  app.notFound(() => {
    // Never forwarded: only routes in the tables above reach Ollama.
    throw new GatehouseError("not_found");
  });
  app.onError(renderError);
  return app;
}
