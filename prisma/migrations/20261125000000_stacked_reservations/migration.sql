-- A reservation may be priced after the checkout's earlier holds on the same cart (POST
-- /v1/reservations `stacksOn`). It keeps their ids, so a later code that stacks on it must name
-- them too (the discounts then add up to the quote's) and GET shows what it was priced after. A
-- constant default: adding the column rewrites nothing.
-- AlterTable
ALTER TABLE "reservation" ADD COLUMN "stacks_on" UUID[] DEFAULT ARRAY[]::UUID[];
