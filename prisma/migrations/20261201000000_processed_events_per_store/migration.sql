-- Kafka event ids are the order systems' own, so two stores may send one (ids derived from order
-- numbers, say): processed events are kept per store from now on. Rows recorded before name no
-- store: they get the nil UUID, which names no store, so they match no event any more, and go with
-- the retention cleanup (PROCESSED_EVENT_RETENTION_HOURS). Stop the order consumer with its offsets
-- committed before migrating (as a deploy does), so that no event applied before is delivered again.
ALTER TABLE "processed_event" ADD COLUMN "store_id" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE "processed_event" ALTER COLUMN "store_id" DROP DEFAULT;
ALTER TABLE "processed_event" DROP CONSTRAINT "processed_event_pkey";
ALTER TABLE "processed_event" ADD CONSTRAINT "processed_event_pkey" PRIMARY KEY ("consumer", "store_id", "event_id");
