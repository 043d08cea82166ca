-- CreateTable
CREATE TABLE "agency" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "parent_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agency_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "procedure" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "deadline_working_days" INTEGER,
    "deadline_working_hours" INTEGER,
    "is_sample" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "procedure_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "dossier" (
    "code" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "procedure_code" TEXT NOT NULL,
    "agency_code" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "applicant_name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "calendar_version" TEXT NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "outcome" TEXT,
    "last_seq" INTEGER NOT NULL,
    "last_hash" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dossier_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "dossier_event" (
    "id" TEXT NOT NULL,
    "dossier_code" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "schema_version" INTEGER NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "stream_seq" BIGINT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dossier_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "dossier_workflow_id_key" ON "dossier"("workflow_id");

-- CreateIndex
CREATE INDEX "dossier_agency_code_status_idx" ON "dossier"("agency_code", "status");

-- CreateIndex
CREATE UNIQUE INDEX "dossier_event_dossier_code_seq_key" ON "dossier_event"("dossier_code", "seq");

-- AddForeignKey
ALTER TABLE "agency" ADD CONSTRAINT "agency_parent_code_fkey" FOREIGN KEY ("parent_code") REFERENCES "agency"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dossier" ADD CONSTRAINT "dossier_procedure_code_fkey" FOREIGN KEY ("procedure_code") REFERENCES "procedure"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dossier" ADD CONSTRAINT "dossier_agency_code_fkey" FOREIGN KEY ("agency_code") REFERENCES "agency"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dossier_event" ADD CONSTRAINT "dossier_event_dossier_code_fkey" FOREIGN KEY ("dossier_code") REFERENCES "dossier"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The event log is append-only: auditors replay it, so rows never change.
CREATE FUNCTION "dossier_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'dossier_event is append-only';
END;
$$;

CREATE TRIGGER "dossier_event_no_update_delete"
BEFORE UPDATE OR DELETE ON "dossier_event"
FOR EACH ROW EXECUTE FUNCTION "dossier_event_append_only"();
