-- Codes stacked on one order (or an order cancelled and placed again) leave several reservations with
-- the same order number; performance reports counted that order, its revenue included, once per
-- reservation in partner rows and currency totals. Such reservations are now marked when confirmed
-- (packages/db/src/shared-orders.ts) and counted once per order; the few marked rows have an index
-- of their own, and the report index carries the mark so the unmarked rows stay an index-only scan.
-- AlterTable
ALTER TABLE "reservation" ADD COLUMN "shares_order" BOOLEAN NOT NULL DEFAULT false;

-- Mark what is already there.
UPDATE "reservation" r SET "shares_order" = true
WHERE r."order_number" IS NOT NULL
  AND EXISTS (SELECT 1 FROM "reservation" o
              WHERE o."store_id" = r."store_id" AND o."order_number" = r."order_number" AND o."id" <> r."id");

-- DropIndex
DROP INDEX "reservation_report_idx";

-- CreateIndex
CREATE INDEX "reservation_report_idx" ON "reservation"("store_id", "confirmed_at", "status", "currency", "code_id", "partner_id", "campaign_id", "account_id", "order_total", "discount", "shares_order") WHERE confirmed_at IS NOT NULL;

-- CreateIndex
CREATE INDEX "reservation_shared_order_idx" ON "reservation"("store_id", "confirmed_at") WHERE shares_order;
