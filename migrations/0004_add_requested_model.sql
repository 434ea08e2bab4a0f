-- The model name a client asked for when an alias (src/inference/aliases.ts)
-- mapped it to the model served (audit_events.model). NULL when no alias
-- applied. Covered by the hash chain (canonical "event/v2" when set).
ALTER TABLE audit_events ADD COLUMN requested_model TEXT;
