-- Deleting a partner deletes its rules (ON DELETE CASCADE) and sets its campaigns' partner_id to NULL
-- (ON DELETE SET NULL): without these indexes each of those read every row of its table. The
-- campaign index is partial: campaigns without a partner are not in it.
-- CreateIndex
CREATE INDEX "partner_rule_partner_id_idx" ON "partner_rule"("partner_id");

-- CreateIndex
CREATE INDEX "campaign_partner_id_idx" ON "campaign"("partner_id") WHERE partner_id IS NOT NULL;
