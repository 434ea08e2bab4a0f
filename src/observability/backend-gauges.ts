import type { BackendView } from "../governance/backend-gates";
import { renderSnapshot } from "./exposition";

/**
 * Every backend's gate in /metrics, read from the admission queue at scrape
 * time: slots, in flight, waiting, breaker state and last probe; and the
 * money spent per backend from the audit rows (null: the read failed, the
 * family is left out).
 */
const breakerStates = ["closed", "open", "half-open"] as const;

export function backendGauges(backends: readonly BackendView[], cost: { backend: string; micros: number }[] | null): string[] {
  const per = (value: (backend: BackendView) => number) => backends.map((backend) => ({ labels: { backend: backend.name }, value: value(backend) }));
  const gauges = [
    renderSnapshot("gatehouse_backend_slots", "gauge", "Requests a backend may have in flight at once (its slots; GATEHOUSE_MAX_INFLIGHT for local).", per((b) => b.slots)),
    renderSnapshot("gatehouse_backend_inflight", "gauge", "Requests holding a slot on a backend now.", per((b) => b.inflight)),
    renderSnapshot("gatehouse_backend_queue_depth", "gauge", "Requests waiting that this backend could serve (one with several candidates counts under each).", per((b) => b.waiting)),
    renderSnapshot(
      "gatehouse_backend_breaker_state",
      "gauge",
      "A backend's circuit breaker: 1 for its current state (closed, open, half-open), 0 for the others.",
      backends.flatMap((backend) => breakerStates.map((state) => ({ labels: { backend: backend.name, state }, value: backend.breaker === state ? 1 : 0 }))),
    ),
    renderSnapshot("gatehouse_backend_up", "gauge", "A backend's last health probe: 1 answered, 0 down, -1 not probed yet.", per((b) => (b.health === "up" ? 1 : b.health === "down" ? 0 : -1))),
  ];
  if (cost) {
    gauges.push(
      renderSnapshot("gatehouse_cost_usd_total", "counter", "US dollars spent per backend, from the audit rows' cost (prices times the tokens the backend reported).", cost.map((row) => ({ labels: { backend: row.backend }, value: row.micros / 1_000_000 }))),
    );
  }
  return gauges;
}
