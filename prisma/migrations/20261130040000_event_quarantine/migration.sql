-- Messages of the dossier event stream the projector could not apply as they are: unreadable
-- (not JSON, unknown type or version), unsigned or mis-signed, text PostgreSQL cannot store, or
-- held behind such a message of the same dossier. Kept raw, so nothing is lost and an operator can
-- re-project them once the cause is fixed.
CREATE TABLE "event_quarantine" (
    "stream_seq" BIGINT NOT NULL,
    "stream" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "raw" BYTEA NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" TEXT,
    "event_id" TEXT,
    "dossier_code" TEXT,
    "seq" INTEGER,
    "authentic" BOOLEAN NOT NULL,
    "quarantined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "resolution" TEXT,

    CONSTRAINT "event_quarantine_pkey" PRIMARY KEY ("stream", "stream_seq")
);

CREATE INDEX "event_quarantine_dossier_code_seq_idx" ON "event_quarantine"("dossier_code", "seq");
CREATE INDEX "event_quarantine_resolved_at_idx" ON "event_quarantine"("resolved_at");

-- The event log refused UPDATE and DELETE row by row; TRUNCATE bypasses row triggers.
CREATE TRIGGER "dossier_event_no_truncate"
BEFORE TRUNCATE ON "dossier_event"
FOR EACH STATEMENT EXECUTE FUNCTION "dossier_event_append_only"();
