import { Hono } from "hono";
import type { AppEnv } from "./env";
import { auditStart, completeAudit } from "./audit/recorder";
import { auditRefusals } from "./audit/refusals";
import { authenticate, bodyCredentials } from "./auth/authenticate";
import { authorize } from "./auth/authorize";
import { accountRoutes } from "./control/account-routes";
import { accountUsageRoutes } from "./control/account-usage-routes";
import { adminAliasesRoutes } from "./control/admin-aliases-routes";
import { adminBackendsRoutes } from "./control/admin-backends-routes";
import { accountAuditRoutes, adminAuditRoutes } from "./control/admin-audit-routes";
import { adminQueueRoutes } from "./control/admin-queue-routes";
import { adminGuardRoutes } from "./control/admin-guard-routes";
import { adminSensitiveRoutes } from "./control/admin-sensitive-routes";
import { adminStatsRoutes } from "./control/admin-stats-routes";
import { adminUsersRoutes } from "./control/admin-users-routes";
import { authRoutes } from "./control/auth-routes";
import { consolePages } from "./control/console-pages";
import { accountReadRoutes } from "./control/content-reads";
import { health } from "./control/health";
import { readiness } from "./control/readiness";
import { metricsRoutes } from "./control/metrics-route";
import { GatehouseError } from "./errors";
import { admit, releaseAdmission } from "./governance/admit";
import { inspectRequest } from "./inference/inspect";
import { openExchange, type ReturnStep } from "./inference/open-exchange";
import { inferenceRoutes } from "./inference/routes";
import { jsonBody } from "./middleware/json-body";
import { liveVariables } from "./middleware/live-variables";
import { loadConfig } from "./middleware/load-config";
import { noStore } from "./middleware/no-store";
import { renderError } from "./middleware/render-error";
import { requestId } from "./middleware/request-id";
import { sameOrigin } from "./middleware/same-origin";
import { securityHeaders } from "./middleware/security-headers";
import { observeExchange, observeRequests } from "./observability/observe";
import { screenSensitive, settleFindings } from "./sensitive/screen-step";

/** POST /chat with its credentials in the body: at most this much is read before they are checked. */
const bodyCredentialsMaxBytes = 64 * 1024;

/**
 * The way out of an inference request: once per exchange, when its answer
 * has ended, failed or was refused, or the client went away, these steps are
 * started in this order (each does nothing if its step on the way in never
 * ran; one that fails does not stop the others).
 */
export const returnPath: readonly ReturnStep[] = [
  observeExchange, //  the request log line and /metrics, with the real latency, bytes and tokens
  releaseAdmission, // the user's and the GPU slot back, the tokens charged against the quota
  settleFindings, //   sensitive findings of prompt and answer stored (and the shadow guard's job)
  completeAudit, //    the audit record completed and sealed
];

/**
 * The whole request pipeline, in order. Read top to bottom.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(liveVariables()); //             c.var reads the request's variables in place (Hono's copies them all on each read)
  app.use(securityHeaders()); //            CSP, frame-ancestors, nosniff… on every response (pages, APIs, errors, streams)
  app.use(requestId()); //                  every response carries X-Request-Id
  app.use(readiness()); //                  503 {"status":"starting"} until the database, the ledger's crash recovery and the queue answer
  app.use(loadConfig()); //                 settings parsed once; a bad one fails closed
  app.use(observeRequests()); //            one JSON log line and the /metrics counters per request
  app.use(auditRefusals()); //              401/403/429/503 are on the audit trail before the client hears of them

  app.get("/health", health);

  // Inference: every route in src/inference/route-table.ts, each through these steps.
  app.route(
    "/",
    inferenceRoutes((route) => [
      openExchange(returnPath), //          the way out (above) runs exactly once, whatever happens
      authenticate({ accept: ["key", "basic"], bodyMayFollow: route.legacy }), // who, from the headers, before any body is read: 401 otherwise
      // Size, time, media type; POST /chat's body credentials checked from its first 64 KiB before the rest is read.
      ...(route.body ? [jsonBody({ acceptCurlDefault: true, unauthenticatedMaxBytes: bodyCredentialsMaxBytes, ...(route.legacy ? { credentialsFirst: bodyCredentials(bodyCredentialsMaxBytes) } : {}) })] : []),
      authorize({ group: route.group }), //  active account, key scope, admin-only model management
      inspectRequest(route), //             schema, model policy, GPU ceilings
      screenSensitive(), //                 sensitive data: redact or block per policy (422), redacted forms for the audit
      ...(route.group === "inference" ? [admit(route)] : []), // per-user rate/slots/quota, then the fair GPU queue
      auditStart(), //                      the audit record is committed before anything is forwarded (503 otherwise)
    ]),
  );

  // Control plane (JSON). Cookie-authenticated state changes must be same-origin JSON.
  for (const prefix of ["/auth/*", "/account/api/*", "/admin/api/*"]) app.use(prefix, noStore()); // users, keys, prompts: never cached
  app.use("/auth/*", sameOrigin());
  app.route("/auth", authRoutes()); //       register, login, logout, password
  app.use("/account/api/*", sameOrigin(), authenticate({ accept: ["session", "key"] }), authorize({ group: "control" }));
  app.route("/account/api", accountRoutes());
  app.route("/account/api", accountAuditRoutes()); // one's own audit trail (JSON, CSV)
  app.route("/account/api", accountUsageRoutes()); // GET /account/api/usage: own requests and tokens per day
  app.route("/account/api", accountReadRoutes()); //  GET /account/api/audit/reads: who read my records, and why
  app.use("/admin/api/*", sameOrigin(), authenticate({ accept: ["session", "key"] }), authorize({ group: "control", roles: ["admin"] }));
  app.route("/admin/api", adminUsersRoutes());
  app.route("/admin/api", adminQueueRoutes()); // GET /admin/api/queue
  app.route("/admin/api", adminAuditRoutes()); // audit search, verify, CSV exports
  app.route("/admin/api", adminStatsRoutes()); // GET /admin/api/stats: the usage dashboard
  app.route("/admin/api", adminAliasesRoutes()); // GET|PUT /admin/api/aliases: model names agents insist on
  app.route("/admin/api", adminBackendsRoutes()); // the backend catalog: list, add, change, remove
  app.route("/admin/api", adminSensitiveRoutes()); // sensitive data: policies, patterns, findings
  app.route("/admin/api", adminGuardRoutes()); //   the shadow guard model: settings, verdicts, labels, export

  // Prometheus metrics: loopback or an admin. Before the console's catch-all GET.
  app.route("/", metricsRoutes());

  // The console: static pages from public/.
  app.get("*", consolePages);

  app.notFound(() => {
    // Never forwarded: only routes in the tables above reach Ollama.
    throw new GatehouseError("not_found");
  });
  app.onError(renderError);
  return app;
}
