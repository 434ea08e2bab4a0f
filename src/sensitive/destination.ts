import type { DataBoundary } from "../backends/types";
import { isCloudModel } from "../inference/model-policy";
import type { Boundary } from "./policy";

/**
 * Whether a request's prompt leaves the organisation: the one decision the
 * sensitive-data policy (secrets redacted toward the cloud by default) and
 * placeholder restoring (only toward the cloud) both hang on.
 *
 * `backends` are the data boundaries of the backends that may serve the
 * request (issue 16's routing: its candidates, each through its boundaryOf),
 * when routing has chosen them; any `cloud` among them makes the destination
 * cloud, since failover may reach it. Without them (today, and with no
 * catalog), Ollama's own `:cloud` / `-cloud` models are the cloud. `lan` is
 * another box of ours: it stays inside.
 */
export function destinationBoundary(model: string | null, backends?: readonly DataBoundary[] | null): Boundary {
  if (backends && backends.length > 0) return backends.includes("cloud") ? "cloud" : "local";
  return model !== null && isCloudModel(model) ? "cloud" : "local";
}
