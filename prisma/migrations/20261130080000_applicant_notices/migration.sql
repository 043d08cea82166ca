-- Applicant notices (received, supplement needed, delayed, result ready): an outbox written by
-- the letters consumer and sent by its dispatcher with retries; `dead` after the last attempt.
-- One row per dossier event and channel, so a redelivered event never sends twice.

-- CreateTable
CREATE TABLE "applicant_notice" (
    "id" TEXT NOT NULL,
    "dossier_code" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "letter_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "applicant_notice_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "applicant_notice_kind_check" CHECK ("kind" IN ('received', 'supplement_needed', 'delayed', 'result_ready')),
    CONSTRAINT "applicant_notice_status_check" CHECK ("status" IN ('pending', 'sent', 'dead'))
);

-- CreateIndex
CREATE UNIQUE INDEX "applicant_notice_event_id_channel_key" ON "applicant_notice"("event_id", "channel");

-- CreateIndex
CREATE INDEX "applicant_notice_status_next_attempt_at_idx" ON "applicant_notice"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "applicant_notice_dossier_code_idx" ON "applicant_notice"("dossier_code");
