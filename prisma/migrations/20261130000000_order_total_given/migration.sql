-- Whether a confirmed reservation's order_total was given by the order system (order.placed, or an
-- HTTP confirm with orderTotal) or assumed from the quote (an HTTP confirm without one). A report
-- counts an order at the total an order system gave when one did; an order no one gave a total for
-- counts at the lowest assumed, the one that knew every code of the order. Rows confirmed before
-- count as given, as they did. A constant default rewrites nothing.
-- AlterTable
ALTER TABLE "reservation" ADD COLUMN "order_total_given" BOOLEAN NOT NULL DEFAULT true;
