-- gatehouse_cost_usd_total{backend} (/metrics) sums audit_events.cost_micros
-- per backend at every scrape. Only priced (cloud) requests carry a cost:
-- this partial index holds just those rows, so the sum reads them alone
-- instead of scanning the whole audit trail.
CREATE INDEX audit_events_cost ON audit_events (backend, cost_micros) WHERE cost_micros IS NOT NULL;
