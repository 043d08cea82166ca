-- Idempotency records expire (IDEMPOTENCY_TTL_HOURS, default 7 days): expired ones are ignored
-- and purged by age.
CREATE INDEX "idempotency_record_created_at_idx" ON "idempotency_record"("created_at");
