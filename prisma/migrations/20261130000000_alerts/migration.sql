-- CreateTable
CREATE TABLE "alert" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "dossier_code" TEXT,
    "agency_code" TEXT,
    "level" INTEGER NOT NULL DEFAULT 0,
    "target_agency_code" TEXT,
    "source_id" TEXT NOT NULL,
    "raised_at" TIMESTAMPTZ(3) NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "acknowledged_at" TIMESTAMPTZ(3),
    "acknowledged_by" TEXT,
    "closed_at" TIMESTAMPTZ(3),
    "closed_reason" TEXT,
    "escalations" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "alert_kind_source_id_key" ON "alert"("kind", "source_id");

-- CreateIndex
CREATE INDEX "alert_target_agency_code_raised_at_idx" ON "alert"("target_agency_code", "raised_at");

-- CreateIndex
CREATE INDEX "alert_dossier_code_idx" ON "alert"("dossier_code");

-- CreateIndex
CREATE INDEX "alert_audience_acknowledged_at_closed_at_idx" ON "alert"("audience", "acknowledged_at", "closed_at");
