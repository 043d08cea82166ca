-- Letters (Mẫu 01 receipt, Mẫu 04 apology, Mẫu 05 control slip), their PDFs stored once by
-- content address, and the gap-free number sequence per issuing agency and year.

-- CreateTable
CREATE TABLE "letter_pdf" (
    "sha256" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "letter_pdf_pkey" PRIMARY KEY ("sha256"),
    CONSTRAINT "letter_pdf_sha256_check" CHECK ("sha256" ~ '^[0-9a-f]{64}$'),
    CONSTRAINT "letter_pdf_size_check" CHECK ("size" = octet_length("bytes"))
);

-- CreateTable
CREATE TABLE "letter" (
    "id" TEXT NOT NULL,
    "dossier_code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "form_id" TEXT NOT NULL,
    "rule_set" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "issuing_agency_code" TEXT NOT NULL,
    "fault_party" TEXT,
    "number" INTEGER,
    "year" INTEGER,
    "reason" TEXT,
    "proposed_due_at" TIMESTAMPTZ(3),
    "new_due_at" TIMESTAMPTZ(3),
    "signer_name" TEXT,
    "signer_title" TEXT,
    "content" JSONB NOT NULL,
    "pdf_sha256" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "issued_at" TIMESTAMPTZ(3),
    "issued_by" TEXT,

    CONSTRAINT "letter_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "letter_kind_check" CHECK ("kind" IN ('apology', 'receipt', 'control_slip')),
    CONSTRAINT "letter_status_check" CHECK ("status" IN ('draft', 'issued')),
    CONSTRAINT "letter_rule_set_check" CHECK ("rule_set" IN ('tt01-2018', 'tt03-2025')),
    CONSTRAINT "letter_fault_party_check" CHECK ("fault_party" IS NULL OR "fault_party" IN ('desk', 'processing_agency', 'other_agency')),
    CONSTRAINT "letter_number_check" CHECK ("number" IS NULL OR "number" > 0),
    -- An issued apology carries its number, year, instant and issuer.
    CONSTRAINT "letter_issued_apology_check" CHECK (
      "kind" <> 'apology' OR "status" <> 'issued'
      OR ("number" IS NOT NULL AND "year" IS NOT NULL AND "issued_at" IS NOT NULL AND "issued_by" IS NOT NULL)
    )
);

-- CreateTable
CREATE TABLE "letter_number_sequence" (
    "agency_code" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "next" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "letter_number_sequence_pkey" PRIMARY KEY ("agency_code", "year"),
    CONSTRAINT "letter_number_sequence_next_check" CHECK ("next" > 0)
);

-- CreateIndex
CREATE UNIQUE INDEX "letter_issuing_agency_code_year_number_key" ON "letter"("issuing_agency_code", "year", "number");

-- CreateIndex
CREATE INDEX "letter_dossier_code_idx" ON "letter"("dossier_code");

-- CreateIndex
CREATE INDEX "letter_status_issuing_agency_code_idx" ON "letter"("status", "issuing_agency_code");

-- One apology and one receipt per dossier, draft or issued: a redelivered event or a second
-- trigger finds the existing row (INSERT … ON CONFLICT DO NOTHING). Control slips are
-- re-rendered as the dossier moves, so they are not limited. (Not expressible in Prisma.)
CREATE UNIQUE INDEX "letter_dossier_code_kind_once_key" ON "letter"("dossier_code", "kind")
    WHERE "kind" IN ('apology', 'receipt');

-- AddForeignKey
ALTER TABLE "letter" ADD CONSTRAINT "letter_pdf_sha256_fkey" FOREIGN KEY ("pdf_sha256") REFERENCES "letter_pdf"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;
