-- A store's API keys are listed newest first (GET /v1/api-keys, cursor pages): the index on
-- (store_id, created_at) serves that order and every lookup by store the old one did.
-- DropIndex
DROP INDEX "api_key_store_id_idx";

-- CreateIndex
CREATE INDEX "api_key_store_id_created_at_idx" ON "api_key"("store_id", "created_at");
