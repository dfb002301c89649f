import { describe, expect, it } from "vitest";
import { ConfirmRequestSchema, DOT_SEGMENT_ORDER_NUMBER } from "./checkout.ts";

describe("ConfirmRequestSchema", () => {
  it("refuses the order numbers . and .., which no cancel URL can name, and takes the rest", () => {
    for (const orderNumber of [".", "..", " .. "]) {
      expect(
        ConfirmRequestSchema.safeParse({ orderNumber }).error?.issues.map((issue) => issue.message),
        orderNumber,
      ).toEqual([DOT_SEGMENT_ORDER_NUMBER]);
    }
    for (const orderNumber of ["...", ".A", "ORD/1", "訂單-1"])
      expect(ConfirmRequestSchema.parse({ orderNumber }).orderNumber).toBe(orderNumber);
  });
});
