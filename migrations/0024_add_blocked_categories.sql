-- The categories a request was refused for under the sensitive-data policy
-- (422 sensitive_data_blocked): comma-separated names such as
-- `email,payment_card` — never the value. Set on that refusal's record only;
-- sealed into the hash chain only when set, so every record sealed before
-- this column existed verifies unchanged.
ALTER TABLE audit_events ADD COLUMN blocked_categories TEXT;
