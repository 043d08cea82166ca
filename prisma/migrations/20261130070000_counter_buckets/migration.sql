-- Counter buckets (domain/counters.ts): receiving agency × procedure × local day (Asia/Ho_Chi_Minh)
-- × backfilled, one column per counter; updated in the projector's transaction.
CREATE TABLE "counter_bucket" (
  "agency_code" TEXT NOT NULL,
  "procedure_code" TEXT NOT NULL,
  "day" DATE NOT NULL,
  "backfilled" BOOLEAN NOT NULL DEFAULT false,
  "received_direct" INTEGER NOT NULL DEFAULT 0,
  "received_online" INTEGER NOT NULL DEFAULT 0,
  "received_postal" INTEGER NOT NULL DEFAULT 0,
  "received_online_full" INTEGER NOT NULL DEFAULT 0,
  "received_digitized" INTEGER NOT NULL DEFAULT 0,
  "resolved_early" INTEGER NOT NULL DEFAULT 0,
  "resolved_on_time" INTEGER NOT NULL DEFAULT 0,
  "resolved_late" INTEGER NOT NULL DEFAULT 0,
  "resolved_by_day_early" INTEGER NOT NULL DEFAULT 0,
  "resolved_by_day_on_time" INTEGER NOT NULL DEFAULT 0,
  "resolved_by_day_late" INTEGER NOT NULL DEFAULT 0,
  "resolved_electronic" INTEGER NOT NULL DEFAULT 0,
  "resolved_result_digitized" INTEGER NOT NULL DEFAULT 0,
  "returned" INTEGER NOT NULL DEFAULT 0,
  "rejected" INTEGER NOT NULL DEFAULT 0,
  "withdrawn" INTEGER NOT NULL DEFAULT 0,
  "paid" INTEGER NOT NULL DEFAULT 0,
  "paid_online" INTEGER NOT NULL DEFAULT 0,
  "rating_1" INTEGER NOT NULL DEFAULT 0,
  "rating_2" INTEGER NOT NULL DEFAULT 0,
  "rating_3" INTEGER NOT NULL DEFAULT 0,
  "rating_4" INTEGER NOT NULL DEFAULT 0,
  "rating_5" INTEGER NOT NULL DEFAULT 0,
  "apologies" INTEGER NOT NULL DEFAULT 0,
  "supplement_requests" INTEGER NOT NULL DEFAULT 0,
  "handoffs_in" INTEGER NOT NULL DEFAULT 0,
  "became_overdue" INTEGER NOT NULL DEFAULT 0,
  "closed_overdue" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "counter_bucket_pkey" PRIMARY KEY ("agency_code", "procedure_code", "day", "backfilled")
);

CREATE INDEX "counter_bucket_day_idx" ON "counter_bucket" ("day");
