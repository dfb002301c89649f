-- Codes stacked on one order (or an order cancelled and placed again) leave several reservations with
-- the same order number; performance reports counted that order, its revenue included, once per
-- reservation in partner rows and currency totals. Such reservations are now marked when confirmed
-- and counted once per order (packages/db/src/shared-orders.ts): `order_link` counts each order's
-- confirmations (its key lets two confirmations of one order at once find each other), the few
-- marked rows have an index of their own, and the report index carries the mark so the unmarked rows
-- stay an index-only scan.
-- AlterTable
ALTER TABLE "reservation" ADD COLUMN "shares_order" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "order_link" (
    "store_id" UUID NOT NULL,
    "order_number" TEXT NOT NULL,
    "confirmations" INTEGER NOT NULL,

    CONSTRAINT "order_link_pkey" PRIMARY KEY ("store_id","order_number")
);

-- What is already there.
INSERT INTO "order_link" ("store_id", "order_number", "confirmations")
SELECT "store_id", "order_number", count(*) FROM "reservation"
WHERE "order_number" IS NOT NULL
GROUP BY "store_id", "order_number";

UPDATE "reservation" r SET "shares_order" = true
FROM "order_link" l
WHERE l."confirmations" > 1 AND r."store_id" = l."store_id" AND r."order_number" = l."order_number";

-- DropIndex
DROP INDEX "reservation_report_idx";

-- CreateIndex
CREATE INDEX "reservation_report_idx" ON "reservation"("store_id", "confirmed_at", "status", "currency", "code_id", "partner_id", "campaign_id", "account_id", "order_total", "discount", "shares_order") WHERE confirmed_at IS NOT NULL;

-- CreateIndex
CREATE INDEX "reservation_shared_order_idx" ON "reservation"("store_id", "confirmed_at") WHERE shares_order;
