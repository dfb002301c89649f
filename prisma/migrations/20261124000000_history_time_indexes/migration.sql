-- Idempotency-Key records and processed Kafka event ids are history: the reservation worker and the
-- order consumer remove the rows older than their retention, oldest first, a chunk at a time. These
-- indexes let them find those rows without reading the whole table (both tables are append-only, so
-- each insert lands on the index's last page).
-- CreateIndex
CREATE INDEX "processed_event_processed_at_idx" ON "processed_event"("processed_at");

-- CreateIndex
CREATE INDEX "idempotency_record_created_at_idx" ON "idempotency_record"("created_at");
