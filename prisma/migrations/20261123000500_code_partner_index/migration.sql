-- Deleting a partner sets its codes' partner_id to NULL (ON DELETE SET NULL): without an index that
-- read every row of code. Partial: codes without a partner (nearly all generated ones) are not in it.
-- CreateIndex
CREATE INDEX "code_partner_id_idx" ON "code"("partner_id") WHERE partner_id IS NOT NULL;
