-- The relay's queue becomes a partial index of the unpublished rows in id order. With the old
-- (published_at, id) index, statistics taken while many rows were unpublished let the planner read
-- the relay's batch by walking the primary key past every published row (measured: 282 ms per empty
-- poll on a 424,640-row table), and marking a row published added a second entry to that index.
-- DropIndex
DROP INDEX "outbox_event_published_at_id_idx";

-- CreateIndex
CREATE INDEX "outbox_event_pending_idx" ON "outbox_event"("id") WHERE published_at IS NULL;
