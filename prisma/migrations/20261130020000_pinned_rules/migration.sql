-- Rules pinned at receipt: catalogue entries become versions with an effective date, calendar-day
-- deadlines, both classification verdicts in the read model, and the impact a calendar version had.

-- AlterTable
ALTER TABLE "procedure" ADD COLUMN "deadline_calendar_days" INTEGER;

-- CreateTable
CREATE TABLE "procedure_version" (
    "procedure_code" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "deadline_working_days" INTEGER,
    "deadline_working_hours" INTEGER,
    "deadline_calendar_days" INTEGER,
    "same_day_cutoff" TEXT,
    "steps" JSONB NOT NULL DEFAULT '[]',
    "source" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "procedure_version_pkey" PRIMARY KEY ("procedure_code","version")
);

-- CreateIndex
CREATE INDEX "procedure_version_procedure_code_effective_from_idx" ON "procedure_version"("procedure_code", "effective_from");

-- AddForeignKey
ALTER TABLE "procedure_version" ADD CONSTRAINT "procedure_version_procedure_code_fkey" FOREIGN KEY ("procedure_code") REFERENCES "procedure"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The procedures already stored become their version 1, in force since they were created.
INSERT INTO "procedure_version" ("procedure_code", "version", "effective_from", "deadline_working_days", "deadline_working_hours", "same_day_cutoff", "steps", "source")
SELECT "code", 1, "created_at", "deadline_working_days", "deadline_working_hours", "same_day_cutoff", "steps", 'migration: catalogue before versions'
FROM "procedure";

-- AlterTable
ALTER TABLE "dossier" ADD COLUMN "outcome_by_instant" TEXT,
ADD COLUMN "outcome_by_day" TEXT;

-- AlterTable
ALTER TABLE "calendar_version" ADD COLUMN "impact" JSONB;
