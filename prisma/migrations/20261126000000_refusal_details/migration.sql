-- A reservation refused for its `stacksOn` keeps which of those holds it was refused for, and why
-- ({"stackedReservationId", "reason", "missingReservationIds"?}), so GET and an Idempotency-Key
-- replay say what the first answer said. NULL for every other reservation (a flash sale's refusals
-- included), so the rows do not grow; adding a column without a default rewrites nothing.
-- AlterTable
ALTER TABLE "reservation" ADD COLUMN "error_details" JSONB;
