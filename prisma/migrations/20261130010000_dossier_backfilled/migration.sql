-- Dossiers migrated from an older system by the admin backfill (POST /v1/admin/backfill):
-- rates and lists may include or exclude them.
ALTER TABLE "dossier" ADD COLUMN "backfilled" BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX "dossier_backfilled_idx" ON "dossier" ("backfilled") WHERE "backfilled";
