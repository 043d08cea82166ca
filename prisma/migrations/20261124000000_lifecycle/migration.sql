-- CreateTable
CREATE TABLE "procedure_group" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "is_sample" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "procedure_group_pkey" PRIMARY KEY ("code")
);

-- AlterTable
ALTER TABLE "agency" ADD COLUMN     "is_sample" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "procedure" ADD COLUMN     "steps" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "fee_vnd" INTEGER,
ADD COLUMN     "online_payment" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "fully_online" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "group_code" TEXT;

-- AlterTable
ALTER TABLE "dossier" ADD COLUMN     "original_due_at" TIMESTAMPTZ(3),
ADD COLUMN     "warning_at" TIMESTAMPTZ(3),
ADD COLUMN     "current_step" INTEGER,
ADD COLUMN     "current_agency_code" TEXT,
ADD COLUMN     "participants" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "paused_at" TIMESTAMPTZ(3),
ADD COLUMN     "due_soon" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "overdue" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "apology_issued_at" TIMESTAMPTZ(3),
ADD COLUMN     "result_kind" TEXT,
ADD COLUMN     "returned_at" TIMESTAMPTZ(3),
ADD COLUMN     "components_digitized" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "result_digitized" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "paid_online" BOOLEAN,
ADD COLUMN     "rating_score" INTEGER,
ADD COLUMN     "state" JSONB;

-- CreateTable
CREATE TABLE "api_key" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "agency_code" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_record" (
    "principal_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "response_body" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_record_pkey" PRIMARY KEY ("principal_id","key")
);

-- CreateIndex
CREATE INDEX "dossier_current_agency_code_status_idx" ON "dossier"("current_agency_code", "status");

-- CreateIndex
CREATE INDEX "dossier_procedure_code_received_at_idx" ON "dossier"("procedure_code", "received_at");

-- CreateIndex
CREATE INDEX "dossier_status_due_at_idx" ON "dossier"("status", "due_at");

-- CreateIndex
CREATE INDEX "dossier_participants_idx" ON "dossier" USING GIN ("participants");

-- CreateIndex
CREATE INDEX "api_key_agency_code_idx" ON "api_key"("agency_code");

-- AddForeignKey
ALTER TABLE "procedure" ADD CONSTRAINT "procedure_group_code_fkey" FOREIGN KEY ("group_code") REFERENCES "procedure_group"("code") ON DELETE SET NULL ON UPDATE CASCADE;
