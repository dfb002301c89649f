-- A processed order event keeps a fingerprint of what it said (sha256 of the parsed event, its
-- occurredAt aside), so that another event sent under an id already used is told apart from a
-- redelivery: it goes to orders.dlq (reason event_id_reused) instead of being dropped unseen.
-- NULL for rows recorded before; adding a nullable column rewrites nothing.
-- AlterTable
ALTER TABLE "processed_event" ADD COLUMN "fingerprint" TEXT;
