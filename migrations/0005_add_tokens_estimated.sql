-- Token counts Gatehouse estimated because the engine never reported them
-- (the stream was cut before Ollama's final chunk, or the client left before
-- the first byte): 1 when prompt_tokens/completion_tokens are an estimate
-- (src/governance/reservation.ts says how), 0 when the engine counted them.
-- Sealed into the hash chain only when 1, so records sealed before this
-- column existed verify unchanged.
ALTER TABLE audit_events ADD COLUMN tokens_estimated INTEGER NOT NULL DEFAULT 0;
