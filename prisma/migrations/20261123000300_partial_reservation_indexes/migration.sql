-- Refused attempts (most rows of a flash sale: REJECTED, no expiry, no order) leave the indexes that
-- only live holds, expiring holds and orders need: each index keeps its name and columns and gains
-- a predicate. On a large reservation table each CREATE INDEX blocks writes while it builds; build
-- them by hand with CREATE INDEX CONCURRENTLY first if that matters (the names must match).
-- DropIndex
DROP INDEX "reservation_code_id_status_idx";

-- DropIndex
DROP INDEX "reservation_campaign_id_account_id_status_idx";

-- DropIndex
DROP INDEX "reservation_status_expires_at_idx";

-- DropIndex
DROP INDEX "reservation_store_id_order_number_idx";

-- DropIndex
DROP INDEX "reservation_report_idx";

-- CreateIndex
CREATE INDEX "reservation_code_id_status_idx" ON "reservation"("code_id", "status") WHERE status IN ('RESERVED', 'CONFIRMED');

-- CreateIndex
CREATE INDEX "reservation_campaign_id_account_id_status_idx" ON "reservation"("campaign_id", "account_id", "status") WHERE status IN ('RESERVED', 'CONFIRMED');

-- CreateIndex
CREATE INDEX "reservation_status_expires_at_idx" ON "reservation"("status", "expires_at") WHERE expires_at IS NOT NULL;

-- CreateIndex
CREATE INDEX "reservation_store_id_order_number_idx" ON "reservation"("store_id", "order_number") WHERE order_number IS NOT NULL;

-- CreateIndex
CREATE INDEX "reservation_report_idx" ON "reservation"("store_id", "confirmed_at", "status", "currency", "code_id", "partner_id", "campaign_id", "account_id", "order_total", "discount") WHERE confirmed_at IS NOT NULL;
