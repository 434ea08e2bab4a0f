-- The monthly spending limit (issue 16): a cloud-bound request sums its
-- user's costs since the start of the month before anything is sent. Only
-- rows with a cost are indexed (requests to priced backends), so the sum reads
-- those alone and every other request pays nothing for the index.
CREATE INDEX audit_events_user_cost ON audit_events (user_id, started_at) WHERE cost_micros IS NOT NULL;
