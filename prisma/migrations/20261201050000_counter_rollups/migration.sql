-- Roll-ups of the counter buckets (issue 12, rates benchmark): per agency × local day and per
-- agency × month (first day of the month), without the procedure dimension. A one-year rate query
-- over a province sums about (agencies × 12) month rows plus the partial months' day rows instead
-- of every (agency × procedure × day) bucket since the beginning, so its cost no longer grows with
-- the number of dossiers. Maintained by a trigger on counter_bucket (insert, update, delete: the
-- projector's upserts and the rebuild's repair alike), so they always equal the buckets' sums.
CREATE TABLE "counter_rollup_day" (
  "agency_code" TEXT NOT NULL,
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
  "steps_completed" INTEGER NOT NULL DEFAULT 0,
  "steps_over_budget" INTEGER NOT NULL DEFAULT 0,
  "became_overdue" INTEGER NOT NULL DEFAULT 0,
  "closed_overdue" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "counter_rollup_day_pkey" PRIMARY KEY ("agency_code", "day", "backfilled")
);
COMMENT ON TABLE "counter_rollup_day" IS 'Sum of counter_bucket over procedures, per agency and local day (trigger-maintained)';

CREATE TABLE "counter_rollup_month" (
  "agency_code" TEXT NOT NULL,
  "month" DATE NOT NULL,
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
  "steps_completed" INTEGER NOT NULL DEFAULT 0,
  "steps_over_budget" INTEGER NOT NULL DEFAULT 0,
  "became_overdue" INTEGER NOT NULL DEFAULT 0,
  "closed_overdue" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "counter_rollup_month_pkey" PRIMARY KEY ("agency_code", "month", "backfilled")
);
COMMENT ON TABLE "counter_rollup_month" IS 'Sum of counter_bucket over procedures, per agency and month (trigger-maintained)';

INSERT INTO "counter_rollup_day" ("agency_code", "day", "backfilled", "received_direct", "received_online", "received_postal", "received_online_full", "received_digitized", "resolved_early", "resolved_on_time", "resolved_late", "resolved_by_day_early", "resolved_by_day_on_time", "resolved_by_day_late", "resolved_electronic", "resolved_result_digitized", "returned", "rejected", "withdrawn", "paid", "paid_online", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "apologies", "supplement_requests", "handoffs_in", "steps_completed", "steps_over_budget", "became_overdue", "closed_overdue")
SELECT "agency_code", "day", "backfilled", SUM("received_direct"), SUM("received_online"), SUM("received_postal"), SUM("received_online_full"), SUM("received_digitized"), SUM("resolved_early"), SUM("resolved_on_time"), SUM("resolved_late"), SUM("resolved_by_day_early"), SUM("resolved_by_day_on_time"), SUM("resolved_by_day_late"), SUM("resolved_electronic"), SUM("resolved_result_digitized"), SUM("returned"), SUM("rejected"), SUM("withdrawn"), SUM("paid"), SUM("paid_online"), SUM("rating_1"), SUM("rating_2"), SUM("rating_3"), SUM("rating_4"), SUM("rating_5"), SUM("apologies"), SUM("supplement_requests"), SUM("handoffs_in"), SUM("steps_completed"), SUM("steps_over_budget"), SUM("became_overdue"), SUM("closed_overdue")
  FROM "counter_bucket" GROUP BY 1, 2, 3;

INSERT INTO "counter_rollup_month" ("agency_code", "month", "backfilled", "received_direct", "received_online", "received_postal", "received_online_full", "received_digitized", "resolved_early", "resolved_on_time", "resolved_late", "resolved_by_day_early", "resolved_by_day_on_time", "resolved_by_day_late", "resolved_electronic", "resolved_result_digitized", "returned", "rejected", "withdrawn", "paid", "paid_online", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "apologies", "supplement_requests", "handoffs_in", "steps_completed", "steps_over_budget", "became_overdue", "closed_overdue")
SELECT "agency_code", date_trunc('month', "day")::date, "backfilled", SUM("received_direct"), SUM("received_online"), SUM("received_postal"), SUM("received_online_full"), SUM("received_digitized"), SUM("resolved_early"), SUM("resolved_on_time"), SUM("resolved_late"), SUM("resolved_by_day_early"), SUM("resolved_by_day_on_time"), SUM("resolved_by_day_late"), SUM("resolved_electronic"), SUM("resolved_result_digitized"), SUM("returned"), SUM("rejected"), SUM("withdrawn"), SUM("paid"), SUM("paid_online"), SUM("rating_1"), SUM("rating_2"), SUM("rating_3"), SUM("rating_4"), SUM("rating_5"), SUM("apologies"), SUM("supplement_requests"), SUM("handoffs_in"), SUM("steps_completed"), SUM("steps_over_budget"), SUM("became_overdue"), SUM("closed_overdue")
  FROM "counter_bucket" GROUP BY 1, 2, 3;

CREATE FUNCTION "counter_rollup_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO "counter_rollup_day" ("agency_code", "day", "backfilled", "received_direct", "received_online", "received_postal", "received_online_full", "received_digitized", "resolved_early", "resolved_on_time", "resolved_late", "resolved_by_day_early", "resolved_by_day_on_time", "resolved_by_day_late", "resolved_electronic", "resolved_result_digitized", "returned", "rejected", "withdrawn", "paid", "paid_online", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "apologies", "supplement_requests", "handoffs_in", "steps_completed", "steps_over_budget", "became_overdue", "closed_overdue")
    VALUES (OLD."agency_code", OLD."day", OLD."backfilled", -OLD."received_direct", -OLD."received_online", -OLD."received_postal", -OLD."received_online_full", -OLD."received_digitized", -OLD."resolved_early", -OLD."resolved_on_time", -OLD."resolved_late", -OLD."resolved_by_day_early", -OLD."resolved_by_day_on_time", -OLD."resolved_by_day_late", -OLD."resolved_electronic", -OLD."resolved_result_digitized", -OLD."returned", -OLD."rejected", -OLD."withdrawn", -OLD."paid", -OLD."paid_online", -OLD."rating_1", -OLD."rating_2", -OLD."rating_3", -OLD."rating_4", -OLD."rating_5", -OLD."apologies", -OLD."supplement_requests", -OLD."handoffs_in", -OLD."steps_completed", -OLD."steps_over_budget", -OLD."became_overdue", -OLD."closed_overdue")
    ON CONFLICT ("agency_code", "day", "backfilled") DO UPDATE SET
      "received_direct" = "counter_rollup_day"."received_direct" + EXCLUDED."received_direct",
      "received_online" = "counter_rollup_day"."received_online" + EXCLUDED."received_online",
      "received_postal" = "counter_rollup_day"."received_postal" + EXCLUDED."received_postal",
      "received_online_full" = "counter_rollup_day"."received_online_full" + EXCLUDED."received_online_full",
      "received_digitized" = "counter_rollup_day"."received_digitized" + EXCLUDED."received_digitized",
      "resolved_early" = "counter_rollup_day"."resolved_early" + EXCLUDED."resolved_early",
      "resolved_on_time" = "counter_rollup_day"."resolved_on_time" + EXCLUDED."resolved_on_time",
      "resolved_late" = "counter_rollup_day"."resolved_late" + EXCLUDED."resolved_late",
      "resolved_by_day_early" = "counter_rollup_day"."resolved_by_day_early" + EXCLUDED."resolved_by_day_early",
      "resolved_by_day_on_time" = "counter_rollup_day"."resolved_by_day_on_time" + EXCLUDED."resolved_by_day_on_time",
      "resolved_by_day_late" = "counter_rollup_day"."resolved_by_day_late" + EXCLUDED."resolved_by_day_late",
      "resolved_electronic" = "counter_rollup_day"."resolved_electronic" + EXCLUDED."resolved_electronic",
      "resolved_result_digitized" = "counter_rollup_day"."resolved_result_digitized" + EXCLUDED."resolved_result_digitized",
      "returned" = "counter_rollup_day"."returned" + EXCLUDED."returned",
      "rejected" = "counter_rollup_day"."rejected" + EXCLUDED."rejected",
      "withdrawn" = "counter_rollup_day"."withdrawn" + EXCLUDED."withdrawn",
      "paid" = "counter_rollup_day"."paid" + EXCLUDED."paid",
      "paid_online" = "counter_rollup_day"."paid_online" + EXCLUDED."paid_online",
      "rating_1" = "counter_rollup_day"."rating_1" + EXCLUDED."rating_1",
      "rating_2" = "counter_rollup_day"."rating_2" + EXCLUDED."rating_2",
      "rating_3" = "counter_rollup_day"."rating_3" + EXCLUDED."rating_3",
      "rating_4" = "counter_rollup_day"."rating_4" + EXCLUDED."rating_4",
      "rating_5" = "counter_rollup_day"."rating_5" + EXCLUDED."rating_5",
      "apologies" = "counter_rollup_day"."apologies" + EXCLUDED."apologies",
      "supplement_requests" = "counter_rollup_day"."supplement_requests" + EXCLUDED."supplement_requests",
      "handoffs_in" = "counter_rollup_day"."handoffs_in" + EXCLUDED."handoffs_in",
      "steps_completed" = "counter_rollup_day"."steps_completed" + EXCLUDED."steps_completed",
      "steps_over_budget" = "counter_rollup_day"."steps_over_budget" + EXCLUDED."steps_over_budget",
      "became_overdue" = "counter_rollup_day"."became_overdue" + EXCLUDED."became_overdue",
      "closed_overdue" = "counter_rollup_day"."closed_overdue" + EXCLUDED."closed_overdue";
    INSERT INTO "counter_rollup_month" ("agency_code", "month", "backfilled", "received_direct", "received_online", "received_postal", "received_online_full", "received_digitized", "resolved_early", "resolved_on_time", "resolved_late", "resolved_by_day_early", "resolved_by_day_on_time", "resolved_by_day_late", "resolved_electronic", "resolved_result_digitized", "returned", "rejected", "withdrawn", "paid", "paid_online", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "apologies", "supplement_requests", "handoffs_in", "steps_completed", "steps_over_budget", "became_overdue", "closed_overdue")
    VALUES (OLD."agency_code", date_trunc('month', OLD."day")::date, OLD."backfilled", -OLD."received_direct", -OLD."received_online", -OLD."received_postal", -OLD."received_online_full", -OLD."received_digitized", -OLD."resolved_early", -OLD."resolved_on_time", -OLD."resolved_late", -OLD."resolved_by_day_early", -OLD."resolved_by_day_on_time", -OLD."resolved_by_day_late", -OLD."resolved_electronic", -OLD."resolved_result_digitized", -OLD."returned", -OLD."rejected", -OLD."withdrawn", -OLD."paid", -OLD."paid_online", -OLD."rating_1", -OLD."rating_2", -OLD."rating_3", -OLD."rating_4", -OLD."rating_5", -OLD."apologies", -OLD."supplement_requests", -OLD."handoffs_in", -OLD."steps_completed", -OLD."steps_over_budget", -OLD."became_overdue", -OLD."closed_overdue")
    ON CONFLICT ("agency_code", "month", "backfilled") DO UPDATE SET
      "received_direct" = "counter_rollup_month"."received_direct" + EXCLUDED."received_direct",
      "received_online" = "counter_rollup_month"."received_online" + EXCLUDED."received_online",
      "received_postal" = "counter_rollup_month"."received_postal" + EXCLUDED."received_postal",
      "received_online_full" = "counter_rollup_month"."received_online_full" + EXCLUDED."received_online_full",
      "received_digitized" = "counter_rollup_month"."received_digitized" + EXCLUDED."received_digitized",
      "resolved_early" = "counter_rollup_month"."resolved_early" + EXCLUDED."resolved_early",
      "resolved_on_time" = "counter_rollup_month"."resolved_on_time" + EXCLUDED."resolved_on_time",
      "resolved_late" = "counter_rollup_month"."resolved_late" + EXCLUDED."resolved_late",
      "resolved_by_day_early" = "counter_rollup_month"."resolved_by_day_early" + EXCLUDED."resolved_by_day_early",
      "resolved_by_day_on_time" = "counter_rollup_month"."resolved_by_day_on_time" + EXCLUDED."resolved_by_day_on_time",
      "resolved_by_day_late" = "counter_rollup_month"."resolved_by_day_late" + EXCLUDED."resolved_by_day_late",
      "resolved_electronic" = "counter_rollup_month"."resolved_electronic" + EXCLUDED."resolved_electronic",
      "resolved_result_digitized" = "counter_rollup_month"."resolved_result_digitized" + EXCLUDED."resolved_result_digitized",
      "returned" = "counter_rollup_month"."returned" + EXCLUDED."returned",
      "rejected" = "counter_rollup_month"."rejected" + EXCLUDED."rejected",
      "withdrawn" = "counter_rollup_month"."withdrawn" + EXCLUDED."withdrawn",
      "paid" = "counter_rollup_month"."paid" + EXCLUDED."paid",
      "paid_online" = "counter_rollup_month"."paid_online" + EXCLUDED."paid_online",
      "rating_1" = "counter_rollup_month"."rating_1" + EXCLUDED."rating_1",
      "rating_2" = "counter_rollup_month"."rating_2" + EXCLUDED."rating_2",
      "rating_3" = "counter_rollup_month"."rating_3" + EXCLUDED."rating_3",
      "rating_4" = "counter_rollup_month"."rating_4" + EXCLUDED."rating_4",
      "rating_5" = "counter_rollup_month"."rating_5" + EXCLUDED."rating_5",
      "apologies" = "counter_rollup_month"."apologies" + EXCLUDED."apologies",
      "supplement_requests" = "counter_rollup_month"."supplement_requests" + EXCLUDED."supplement_requests",
      "handoffs_in" = "counter_rollup_month"."handoffs_in" + EXCLUDED."handoffs_in",
      "steps_completed" = "counter_rollup_month"."steps_completed" + EXCLUDED."steps_completed",
      "steps_over_budget" = "counter_rollup_month"."steps_over_budget" + EXCLUDED."steps_over_budget",
      "became_overdue" = "counter_rollup_month"."became_overdue" + EXCLUDED."became_overdue",
      "closed_overdue" = "counter_rollup_month"."closed_overdue" + EXCLUDED."closed_overdue";
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "counter_rollup_day" ("agency_code", "day", "backfilled", "received_direct", "received_online", "received_postal", "received_online_full", "received_digitized", "resolved_early", "resolved_on_time", "resolved_late", "resolved_by_day_early", "resolved_by_day_on_time", "resolved_by_day_late", "resolved_electronic", "resolved_result_digitized", "returned", "rejected", "withdrawn", "paid", "paid_online", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "apologies", "supplement_requests", "handoffs_in", "steps_completed", "steps_over_budget", "became_overdue", "closed_overdue")
    VALUES (NEW."agency_code", NEW."day", NEW."backfilled", NEW."received_direct", NEW."received_online", NEW."received_postal", NEW."received_online_full", NEW."received_digitized", NEW."resolved_early", NEW."resolved_on_time", NEW."resolved_late", NEW."resolved_by_day_early", NEW."resolved_by_day_on_time", NEW."resolved_by_day_late", NEW."resolved_electronic", NEW."resolved_result_digitized", NEW."returned", NEW."rejected", NEW."withdrawn", NEW."paid", NEW."paid_online", NEW."rating_1", NEW."rating_2", NEW."rating_3", NEW."rating_4", NEW."rating_5", NEW."apologies", NEW."supplement_requests", NEW."handoffs_in", NEW."steps_completed", NEW."steps_over_budget", NEW."became_overdue", NEW."closed_overdue")
    ON CONFLICT ("agency_code", "day", "backfilled") DO UPDATE SET
      "received_direct" = "counter_rollup_day"."received_direct" + EXCLUDED."received_direct",
      "received_online" = "counter_rollup_day"."received_online" + EXCLUDED."received_online",
      "received_postal" = "counter_rollup_day"."received_postal" + EXCLUDED."received_postal",
      "received_online_full" = "counter_rollup_day"."received_online_full" + EXCLUDED."received_online_full",
      "received_digitized" = "counter_rollup_day"."received_digitized" + EXCLUDED."received_digitized",
      "resolved_early" = "counter_rollup_day"."resolved_early" + EXCLUDED."resolved_early",
      "resolved_on_time" = "counter_rollup_day"."resolved_on_time" + EXCLUDED."resolved_on_time",
      "resolved_late" = "counter_rollup_day"."resolved_late" + EXCLUDED."resolved_late",
      "resolved_by_day_early" = "counter_rollup_day"."resolved_by_day_early" + EXCLUDED."resolved_by_day_early",
      "resolved_by_day_on_time" = "counter_rollup_day"."resolved_by_day_on_time" + EXCLUDED."resolved_by_day_on_time",
      "resolved_by_day_late" = "counter_rollup_day"."resolved_by_day_late" + EXCLUDED."resolved_by_day_late",
      "resolved_electronic" = "counter_rollup_day"."resolved_electronic" + EXCLUDED."resolved_electronic",
      "resolved_result_digitized" = "counter_rollup_day"."resolved_result_digitized" + EXCLUDED."resolved_result_digitized",
      "returned" = "counter_rollup_day"."returned" + EXCLUDED."returned",
      "rejected" = "counter_rollup_day"."rejected" + EXCLUDED."rejected",
      "withdrawn" = "counter_rollup_day"."withdrawn" + EXCLUDED."withdrawn",
      "paid" = "counter_rollup_day"."paid" + EXCLUDED."paid",
      "paid_online" = "counter_rollup_day"."paid_online" + EXCLUDED."paid_online",
      "rating_1" = "counter_rollup_day"."rating_1" + EXCLUDED."rating_1",
      "rating_2" = "counter_rollup_day"."rating_2" + EXCLUDED."rating_2",
      "rating_3" = "counter_rollup_day"."rating_3" + EXCLUDED."rating_3",
      "rating_4" = "counter_rollup_day"."rating_4" + EXCLUDED."rating_4",
      "rating_5" = "counter_rollup_day"."rating_5" + EXCLUDED."rating_5",
      "apologies" = "counter_rollup_day"."apologies" + EXCLUDED."apologies",
      "supplement_requests" = "counter_rollup_day"."supplement_requests" + EXCLUDED."supplement_requests",
      "handoffs_in" = "counter_rollup_day"."handoffs_in" + EXCLUDED."handoffs_in",
      "steps_completed" = "counter_rollup_day"."steps_completed" + EXCLUDED."steps_completed",
      "steps_over_budget" = "counter_rollup_day"."steps_over_budget" + EXCLUDED."steps_over_budget",
      "became_overdue" = "counter_rollup_day"."became_overdue" + EXCLUDED."became_overdue",
      "closed_overdue" = "counter_rollup_day"."closed_overdue" + EXCLUDED."closed_overdue";
    INSERT INTO "counter_rollup_month" ("agency_code", "month", "backfilled", "received_direct", "received_online", "received_postal", "received_online_full", "received_digitized", "resolved_early", "resolved_on_time", "resolved_late", "resolved_by_day_early", "resolved_by_day_on_time", "resolved_by_day_late", "resolved_electronic", "resolved_result_digitized", "returned", "rejected", "withdrawn", "paid", "paid_online", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "apologies", "supplement_requests", "handoffs_in", "steps_completed", "steps_over_budget", "became_overdue", "closed_overdue")
    VALUES (NEW."agency_code", date_trunc('month', NEW."day")::date, NEW."backfilled", NEW."received_direct", NEW."received_online", NEW."received_postal", NEW."received_online_full", NEW."received_digitized", NEW."resolved_early", NEW."resolved_on_time", NEW."resolved_late", NEW."resolved_by_day_early", NEW."resolved_by_day_on_time", NEW."resolved_by_day_late", NEW."resolved_electronic", NEW."resolved_result_digitized", NEW."returned", NEW."rejected", NEW."withdrawn", NEW."paid", NEW."paid_online", NEW."rating_1", NEW."rating_2", NEW."rating_3", NEW."rating_4", NEW."rating_5", NEW."apologies", NEW."supplement_requests", NEW."handoffs_in", NEW."steps_completed", NEW."steps_over_budget", NEW."became_overdue", NEW."closed_overdue")
    ON CONFLICT ("agency_code", "month", "backfilled") DO UPDATE SET
      "received_direct" = "counter_rollup_month"."received_direct" + EXCLUDED."received_direct",
      "received_online" = "counter_rollup_month"."received_online" + EXCLUDED."received_online",
      "received_postal" = "counter_rollup_month"."received_postal" + EXCLUDED."received_postal",
      "received_online_full" = "counter_rollup_month"."received_online_full" + EXCLUDED."received_online_full",
      "received_digitized" = "counter_rollup_month"."received_digitized" + EXCLUDED."received_digitized",
      "resolved_early" = "counter_rollup_month"."resolved_early" + EXCLUDED."resolved_early",
      "resolved_on_time" = "counter_rollup_month"."resolved_on_time" + EXCLUDED."resolved_on_time",
      "resolved_late" = "counter_rollup_month"."resolved_late" + EXCLUDED."resolved_late",
      "resolved_by_day_early" = "counter_rollup_month"."resolved_by_day_early" + EXCLUDED."resolved_by_day_early",
      "resolved_by_day_on_time" = "counter_rollup_month"."resolved_by_day_on_time" + EXCLUDED."resolved_by_day_on_time",
      "resolved_by_day_late" = "counter_rollup_month"."resolved_by_day_late" + EXCLUDED."resolved_by_day_late",
      "resolved_electronic" = "counter_rollup_month"."resolved_electronic" + EXCLUDED."resolved_electronic",
      "resolved_result_digitized" = "counter_rollup_month"."resolved_result_digitized" + EXCLUDED."resolved_result_digitized",
      "returned" = "counter_rollup_month"."returned" + EXCLUDED."returned",
      "rejected" = "counter_rollup_month"."rejected" + EXCLUDED."rejected",
      "withdrawn" = "counter_rollup_month"."withdrawn" + EXCLUDED."withdrawn",
      "paid" = "counter_rollup_month"."paid" + EXCLUDED."paid",
      "paid_online" = "counter_rollup_month"."paid_online" + EXCLUDED."paid_online",
      "rating_1" = "counter_rollup_month"."rating_1" + EXCLUDED."rating_1",
      "rating_2" = "counter_rollup_month"."rating_2" + EXCLUDED."rating_2",
      "rating_3" = "counter_rollup_month"."rating_3" + EXCLUDED."rating_3",
      "rating_4" = "counter_rollup_month"."rating_4" + EXCLUDED."rating_4",
      "rating_5" = "counter_rollup_month"."rating_5" + EXCLUDED."rating_5",
      "apologies" = "counter_rollup_month"."apologies" + EXCLUDED."apologies",
      "supplement_requests" = "counter_rollup_month"."supplement_requests" + EXCLUDED."supplement_requests",
      "handoffs_in" = "counter_rollup_month"."handoffs_in" + EXCLUDED."handoffs_in",
      "steps_completed" = "counter_rollup_month"."steps_completed" + EXCLUDED."steps_completed",
      "steps_over_budget" = "counter_rollup_month"."steps_over_budget" + EXCLUDED."steps_over_budget",
      "became_overdue" = "counter_rollup_month"."became_overdue" + EXCLUDED."became_overdue",
      "closed_overdue" = "counter_rollup_month"."closed_overdue" + EXCLUDED."closed_overdue";
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "counter_bucket_rollup"
  AFTER INSERT OR UPDATE OR DELETE ON "counter_bucket"
  FOR EACH ROW EXECUTE FUNCTION "counter_rollup_apply"();
