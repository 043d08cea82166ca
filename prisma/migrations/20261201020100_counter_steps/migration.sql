-- Per processing agency (liên thông participants): steps completed by the agency that held them,
-- and those completed over their own budget, by completion day (domain/counters.ts). Buckets of
-- events projected before this column existed: `motcua audit rebuild-counters --repair`.
ALTER TABLE "counter_bucket"
  ADD COLUMN "steps_completed" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "steps_over_budget" INTEGER NOT NULL DEFAULT 0;
