-- Performance reports: one index holds every column the reports read, so a date range of a store's
-- orders is an index-only scan (no visits to the wide reservation rows). It starts with the columns of
-- the index it replaces, which only the reports used.
-- On a large live table, build it first by hand with CREATE INDEX CONCURRENTLY under the same name
-- and columns; this file then only drops the old one (CREATE INDEX IF NOT EXISTS).

-- DropIndex
DROP INDEX IF EXISTS "reservation_store_id_confirmed_at_idx";

-- CreateIndex
CREATE INDEX IF NOT EXISTS "reservation_report_idx" ON "reservation"("store_id", "confirmed_at", "status", "currency", "code_id", "partner_id", "campaign_id", "account_id", "order_total", "discount");
