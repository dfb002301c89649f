-- A reservation shows its code as the merchant entered it (SPEC §1: codes match in any letter case
-- and are shown as entered): the worker now stores the matched code's own spelling in code_input.
-- Reservations decided before kept the shopper's typing ("summer2026" for SUMMER2026); this gives
-- them the code's spelling too, so answers and later events (released, expired, confirmed,
-- cancelled) agree. A reservation that matched no code keeps the text the request named.
UPDATE "reservation" AS r
SET "code_input" = k."code"
FROM "code" AS k
WHERE k."id" = r."code_id" AND r."code_input" <> k."code";
