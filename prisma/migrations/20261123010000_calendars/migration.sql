-- CreateTable
CREATE TABLE "calendar_version" (
    "version" TEXT NOT NULL,
    "base_version" TEXT,
    "office_hours" JSONB NOT NULL,
    "years" JSONB NOT NULL,
    "sources" TEXT[],
    "published_by" TEXT NOT NULL,
    "published_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "calendar_version_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "agency_calendar" (
    "agency_code" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,
    "override" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agency_calendar_pkey" PRIMARY KEY ("agency_code","revision")
);

-- AddForeignKey
ALTER TABLE "agency_calendar" ADD CONSTRAINT "agency_calendar_agency_code_fkey" FOREIGN KEY ("agency_code") REFERENCES "agency"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "procedure" ADD COLUMN     "same_day_cutoff" TEXT;
