-- CreateTable
CREATE TABLE "alert_subscription" (
    "id" TEXT NOT NULL,
    "agency_code" TEXT NOT NULL,
    "kinds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "channel" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "secret" TEXT,
    "include_subtree" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMPTZ(3),

    CONSTRAINT "alert_subscription_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "alert_subscription_agency_code_idx" ON "alert_subscription"("agency_code");

-- CreateTable
CREATE TABLE "alert_delivery" (
    "id" TEXT NOT NULL,
    "alert_id" TEXT NOT NULL,
    "change" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "alert_delivery_alert_id_change_level_subscription_id_key" ON "alert_delivery"("alert_id", "change", "level", "subscription_id");

-- CreateIndex
CREATE INDEX "alert_delivery_status_next_attempt_at_idx" ON "alert_delivery"("status", "next_attempt_at");
