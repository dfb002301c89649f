-- Misuse monitoring: leak alerts count one code's reservation decisions in a time window.
-- CreateIndex
CREATE INDEX "reservation_code_id_decided_at_idx" ON "reservation"("code_id", "decided_at");
